/**
 * `warden demo` end to end: the inline gateway refuses every request of the stolen token, the first included,
 * and the rest of the fleet is never denied — through the real broker and Redis, and in the
 * embedded mode used where they cannot run. Run after run, it logs nothing at error level when
 * nothing is wrong and leaves no topics, consumer groups or Redis keys behind.
 */
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { Kafka, logLevel } from 'kafkajs';
import { pino } from 'pino';
import { parse } from 'yaml';
import { describe, expect, it } from 'vitest';
import { formatSummary, runDemo } from '../../src/demo/run-demo.js';
import type { DemoSummary } from '../../src/demo/run-demo.js';
import { isRetriableStartupError, retryStartup } from '../../src/demo/startup.js';
import { WardenError } from '../../src/errors.js';
import { silentLogger } from '../../src/observability/logger.js';
import type { Logger } from '../../src/observability/logger.js';
import { kafkaBrokers, redisUrl, testKafka, testRedis } from './helpers/services.js';
import { startSecureKafka } from './helpers/own-kafka.js';

/** A logger like the CLI's (level error) whose lines the test can read. */
function capturingLogger(): { logger: Logger; logs: string[] } {
  const logs: string[] = [];
  const sink = new Writable({
    write(chunk: Buffer, _enc, done) {
      logs.push(...chunk.toString('utf8').split('\n').filter(Boolean));
      done();
    },
  });
  return { logger: pino({ level: 'error', base: undefined }, sink), logs };
}

function expectGuardrailsHeld(summary: DemoSummary, lines: readonly string[]): void {
  expect(summary.historyEvents).toBeGreaterThan(1000);
  // The gateway decides inline: not one attacker request reaches the API, the first included, so
  // the time to the first 403 is that request's own round trip.
  expect(summary.attackRequests).toBe(6);
  expect(summary.attackAllowed).toBe(0);
  expect(summary.attackDenied).toBe(summary.attackRequests);
  expect(summary.msToFirstDenial).not.toBeNull();
  expect(lines.some((l) => l.includes('403') && l.includes('GET    /iam/users') && l.includes('decided inline: POLICY_DENY'))).toBe(true);
  expect(formatSummary(summary)).toMatch(/attacker requests: +6 \(0 got through, 6 denied with 403\)/);
  expect(summary.benignRequests).toBeGreaterThan(0);
  expect(summary.benignDenied).toBe(0);
  expect(summary.benignAlerts).toBe(0);
  expect(summary.firstAttackDecision?.verdict).toBe('block');
  expect(lines.some((l) => l.includes('403') && l.includes('blocked at the gateway'))).toBe(true);
}

/** What is left on the broker and in Redis of one demo run. */
async function leftovers(run: string, brokers?: string): Promise<{ topics: string[]; groups: string[]; keys: string[] }> {
  const admin = (brokers ? new Kafka({ clientId: 'demo-test', brokers: [brokers], logLevel: logLevel.NOTHING }) : testKafka()).admin();
  const redis = testRedis();
  try {
    await admin.connect();
    const topics = (await admin.listTopics()).filter((t) => t.startsWith(`${run}.`));
    const groups = (await admin.listGroups()).groups.map((g) => g.groupId).filter((g) => g.startsWith(`${run}-`));
    const keys = await redis.keys(`${run}:*`);
    return { topics, groups, keys };
  } finally {
    await admin.disconnect();
    redis.disconnect();
  }
}

describe('warden demo', () => {
  it('stops the stolen CI token and keeps the fleet working (embedded)', async () => {
    const lines: string[] = [];
    const summary = await runDemo({ mode: 'embedded', liveSeconds: 4, brokers: kafkaBrokers(), redisUrl: redisUrl(), dir: mkdtempSync(join(tmpdir(), 'warden-demo-')), logger: silentLogger, print: (line) => lines.push(line), color: false });
    expect(summary.mode).toBe('embedded');
    expectGuardrailsHeld(summary, lines);
  });

  it('runs twice in a row through Kafka: the guardrails hold, no error-level log line, nothing left behind', async () => {
    for (const round of [1, 2]) {
      const lines: string[] = [];
      const { logger, logs } = capturingLogger();
      const summary = await runDemo({ mode: 'kafka', liveSeconds: 4, brokers: kafkaBrokers(), redisUrl: redisUrl(), dir: mkdtempSync(join(tmpdir(), 'warden-demo-')), logger, print: (line) => lines.push(line), color: false });
      expect(summary.mode, `round ${round}`).toBe('kafka');
      expectGuardrailsHeld(summary, lines);
      expect(logs, `round ${round}: error-level log lines`).toEqual([]);
      expect(lines.at(-1)).toMatch(/^Cleaned up: removed the demo's 4 topics and \d+ Redis keys\.$/);
      expect(await leftovers(summary.run), `round ${round}`).toEqual({ topics: [], groups: [], keys: [] });
    }
  });

  it('removes its topics and keys when interrupted, and rejects with the reason', async () => {
    const lines: string[] = [];
    const controller = new AbortController();
    const interrupted = new Error('interrupted by the test');
    const dir = mkdtempSync(join(tmpdir(), 'warden-demo-'));
    const demo = runDemo({
      mode: 'kafka',
      liveSeconds: 30,
      brokers: kafkaBrokers(),
      redisUrl: redisUrl(),
      dir,
      logger: silentLogger,
      print: (line) => {
        lines.push(line);
        // Interrupt once the fleet is back at work: topics, groups and baselines all exist by then.
        if (line.startsWith('2. ')) setTimeout(() => controller.abort(interrupted), 1500);
      },
      color: false,
      signal: controller.signal,
    });
    await expect(demo).rejects.toBe(interrupted);
    const cleaned = lines.find((l) => l.startsWith('Cleaned up'));
    expect(cleaned).toMatch(/removed the demo's 4 topics and [1-9]\d* Redis keys/);
    // The run's name is its client id, in the config the demo wrote.
    const run = (parse(readFileSync(join(dir, 'warden.yaml'), 'utf8')) as { kafka: { clientId: string } }).kafka.clientId;
    expect(run).toMatch(/^demo-/);
    expect(lines.some((l) => l.startsWith('3. '))).toBe(false);
    expect(await leftovers(run)).toEqual({ topics: [], groups: [], keys: [] });
  });

  it('retries a retriable start-up error within its budget, and names the last error when the budget runs out', async () => {
    let calls = 0;
    const notYet = Object.assign(new Error('This server does not host this topic-partition'), { name: 'KafkaJSProtocolError', type: 'UNKNOWN_TOPIC_OR_PARTITION', retriable: true });
    expect(isRetriableStartupError(notYet)).toBe(true);
    expect(isRetriableStartupError(new Error('boom'))).toBe(false);
    // kafkajs wraps the last error of its own retries; a cause chain is followed.
    expect(isRetriableStartupError(Object.assign(new Error('retries exceeded'), { name: 'KafkaJSNumberOfRetriesExceeded', originalError: notYet }))).toBe(true);
    expect(isRetriableStartupError(new Error('start failed', { cause: Object.assign(new Error('connect ECONNREFUSED'), { code: 'ECONNREFUSED' }) }))).toBe(true);
    // Configuration errors never heal by waiting, whatever caused them.
    expect(isRetriableStartupError(new WardenError('WARDEN_KAFKA_AUTH', 'bad credentials', { cause: notYet }))).toBe(false);
    const value = await retryStartup(async () => {
      calls++;
      if (calls < 3) throw notYet;
      return 'started';
    }, { budgetMs: 10_000, what: 'the broker' });
    expect([value, calls]).toEqual(['started', 3]);
    await expect(retryStartup(() => Promise.reject(notYet), { budgetMs: 600, what: 'The Kafka broker' })).rejects.toMatchObject({ code: 'WARDEN_KAFKA_UNAVAILABLE', message: expect.stringContaining('did not become ready within 1 s; last error: This server does not host this topic-partition') as unknown });
    await expect(retryStartup(() => Promise.reject(new Error('boom')), { budgetMs: 10_000, what: 'x' })).rejects.toThrow('boom');
  });

  it('runs three times in a row, each on a stopped broker started a moment before (coordinator still loading)', { timeout: 600_000 }, async () => {
    // A broker of the test's own (the shared one on 9092 is never stopped): started, used at once, stopped.
    for (const round of [1, 2, 3]) {
      const broker = await startSecureKafka();
      try {
        const lines: string[] = [];
        const { logger, logs } = capturingLogger();
        const summary = await runDemo({ mode: 'kafka', liveSeconds: 4, brokers: [broker.internalBrokers], redisUrl: redisUrl(), dir: mkdtempSync(join(tmpdir(), 'warden-demo-')), logger, print: (line) => lines.push(line), color: false });
        expectGuardrailsHeld(summary, lines);
        expect(logs, `round ${round}: error-level log lines`).toEqual([]);
        expect(await leftovers(summary.run, broker.internalBrokers), `round ${round}`).toEqual({ topics: [], groups: [], keys: [] });
      } finally {
        await broker.stop();
      }
    }
  });
});
