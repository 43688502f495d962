/**
 * `warden demo` — build it, break it, watch the guardrails hold. A week of history teaches Warden
 * what a small fleet of machine identities normally does; then the fleet calls a sample API
 * through `warden gateway`, a stolen CI token is used from an attacker's machine, and the
 * terminal shows the decisions arriving and the attacker's requests turning into 403s.
 */
import { randomBytes } from 'node:crypto';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { stringify } from 'yaml';
import { gatewaySchema } from '../config/sections/gateway.js';
import type { Decision } from '../decisions/decision.js';
import { generateKeyPair } from '../decisions/signing.js';
import { MemoryBaselineStore } from '../baseline/store-memory.js';
import type { ReadOnlyBaselineStore } from '../baseline/store-readonly.js';
import type { WardenEvent } from '../events/event.js';
import { startGateway } from '../enforcer/gateway.js';
import { openInlineDecider } from '../enforcer/inline-setup.js';
import { silentLogger } from '../observability/logger.js';
import { buildStages } from '../pipeline/stages.js';
import { createIdentifier, sha256Hex } from '../enforcer/identify.js';
import type { Logger } from '../observability/logger.js';
import { WardenError } from '../errors.js';
import { demoConfig, demoGroups, demoKafka, demoTopics, embeddedBus, kafkaBus } from './bus.js';
import type { DemoBus, DemoFiles } from './bus.js';
import { DEMO_ATTACK, DEMO_FLEET, DEMO_ROUTES, demoHistory, seededRandom } from './fleet.js';
import type { DemoCall, DemoIdentity } from './fleet.js';
import { startSampleApi } from './sample-api.js';
import { removeRedisKeys, removeTopicsAndGroups, retryStartup } from './startup.js';
import type { WardenConfig } from '../config/schema.js';

export interface DemoOptions {
  /** Seconds of benign live traffic before and after the attack. @defaultValue 12 */
  liveSeconds: number;
  /** Use the real broker and Redis (`kafka`) or the in-process mode (`embedded`). */
  mode: 'kafka' | 'embedded';
  brokers: string[];
  redisUrl: string;
  /** Folder for the demo's keys, inventory and policy. */
  dir: string;
  logger: Logger;
  print: (line: string) => void;
  color: boolean;
  /** Aborts the demo (Ctrl-C): it stops, removes its topics and keys, and rejects with the reason. */
  signal?: AbortSignal;
  /** How long a slow or busy broker may take to accept the demo. @defaultValue 60000 */
  startBudgetMs?: number;
  /** `--keep`: runs after the walk-through with the stack still up (Kafka mode); the demo stops when it settles. */
  keep?: (stack: { config: WardenConfig; gatewayUrl: string; summary: DemoSummary }) => Promise<void>;
}

export interface DemoSummary {
  mode: 'kafka' | 'embedded';
  /** This run's name: prefix of its topics, consumer groups and Redis keys (all removed at the end). */
  run: string;
  historyEvents: number;
  benignRequests: number;
  benignDenied: number;
  benignAlerts: number;
  attackRequests: number;
  attackAllowed: number;
  attackDenied: number;
  /** From the first attack request to the first 403 (with the inline gateway: the first request's own latency), in ms. */
  msToFirstDenial: number | null;
  firstAttackDecision: Decision | null;
}

/** Event time runs 300× faster than the wall clock, so a few seconds of live calls look like an hour of work. */
const SPEED = 300;

function paint(color: boolean, code: number, text: string): string {
  return color ? `\u001b[${code}m${text}\u001b[0m` : text;
}

/** The demo's keys, inventory (the fleet) and policy (the deployer never touches IAM), in `dir`. */
export function writeDemoFiles(dir: string, run: string): DemoFiles {
  mkdirSync(join(dir, 'policies'), { recursive: true });
  const keys = generateKeyPair();
  writeFileSync(join(dir, 'warden.key'), keys.privateKeyPem, { mode: 0o600 });
  writeFileSync(join(dir, 'warden.pub'), keys.publicKeyPem);
  const inventoryFile = join(dir, 'identities.yaml');
  writeFileSync(inventoryFile, stringify({ identities: DEMO_FLEET.map((i) => ({ id: i.id, owner: i.owner, class: i.class, environment: 'prod', tokens: [i.token] })) }));
  writeFileSync(
    join(dir, 'policies', 'ci-deployer.yaml'),
    stringify({
      policy: 'demo-ci-deployer',
      description: 'The CI deployer never touches IAM.',
      scope: { classes: ['ci-deployer'] },
      rules: [{ id: 'no-iam', kind: 'deny', description: 'A deployer never lists users or mints credentials.', actions: ['iam:*'] }],
    }),
  );
  return { dir, keys, inventoryFile, policyDir: join(dir, 'policies'), run };
}

function describeDecision(d: Decision): string {
  const top = d.reasons
    .filter((r) => r.weight > 0)
    .slice(0, 4)
    .map((r) => r.code)
    .join(', ');
  return `${d.verdict.toUpperCase()} risk ${d.score}${top ? ` (${top})` : ''}`;
}

export async function runDemo(options: DemoOptions): Promise<DemoSummary> {
  const { print, color } = options;
  const run = `demo-${Date.now().toString(36)}${randomBytes(2).toString('hex')}`;
  const files = writeDemoFiles(options.dir, run);
  const config = demoConfig(files, options.brokers, options.redisUrl);
  const { signal } = options;
  print(paint(color, 1, `Warden demo (${options.mode === 'kafka' ? 'Kafka broker + Redis + warden run' : 'embedded mode: no Kafka/Redis here, same decider in process'})`));
  const closers: Array<() => Promise<unknown>> = [];
  try {
    return await playDemo(options, files, config, closers);
  } finally {
    for (const close of closers.splice(0).reverse()) await close().catch((err: unknown) => options.logger.warn({ err }, 'demo: error while stopping'));
    if (options.mode === 'kafka') {
      const removed = await removeDemoResources(config, files, options.redisUrl).catch((err: unknown) => {
        options.logger.warn({ err }, 'demo: could not remove its topics and keys');
        return null;
      });
      if (removed) print(`Cleaned up: removed the demo's ${removed.topics} topics and ${removed.keys} Redis keys.`);
    }
    signal?.throwIfAborted();
  }
}

/** Removes the topics, consumer groups and Redis keys of this demo run. */
async function removeDemoResources(config: WardenConfig, files: DemoFiles, redisUrl: string): Promise<{ topics: number; keys: number }> {
  const admin = demoKafka(config, files).admin();
  await admin.connect();
  let topics: string[];
  try {
    const groups = demoGroups(files, (await admin.listGroups()).groups.map((g) => g.groupId));
    topics = await removeTopicsAndGroups(admin, demoTopics(config), groups);
  } finally {
    await admin.disconnect().catch(() => undefined);
  }
  const keys = await removeRedisKeys(redisUrl, config.redis.keyPrefix);
  return { topics: topics.length, keys };
}

/**
 * Embedded mode has no Redis: the baselines the inline gateway reads are learned in process from
 * the same events, by the same decider, in the same batches as the embedded bus decides them.
 */
async function embeddedBaselines(config: WardenConfig, closers: Array<() => Promise<unknown>>): Promise<{ store: MemoryBaselineStore; learn(events: readonly WardenEvent[]): void }> {
  const store = new MemoryBaselineStore({ copies: true });
  const stages = await buildStages(config, silentLogger, { store });
  closers.push(() => stages.close());
  let queue: Promise<unknown> = Promise.resolve();
  let offset = 0;
  return {
    store,
    learn(events) {
      queue = queue.then(async () => {
        for (let i = 0; i < events.length; i += 500) {
          const batch = events.slice(i, i + 500);
          await stages.decider.decideBatch(batch, { partition: 'embedded:0', offsets: batch.map(() => String(offset++)) });
        }
      });
    },
  };
}

/** Waits until every identity's stored baseline holds all of its history (at most 30 s). */
async function baselinesLearned(store: ReadOnlyBaselineStore, history: readonly WardenEvent[], signal?: AbortSignal): Promise<void> {
  const deadline = Date.now() + 30_000;
  for (const identity of DEMO_FLEET) {
    const expected = history.filter((e) => e.identity.id === identity.id).length;
    for (;;) {
      store.clear();
      const profile = await store.get(identity.id).catch(() => null);
      if ((profile?.events ?? 0) >= expected || Date.now() > deadline) break;
      await pause(50, signal);
    }
  }
  store.clear();
}

/** Waits `ms`, or rejects at once when the demo is aborted. */
function pause(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    signal?.throwIfAborted();
    const timer = setTimeout(() => {
      signal?.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    const onAbort = (): void => {
      clearTimeout(timer);
      reject(signal?.reason as Error);
    };
    signal?.addEventListener('abort', onAbort, { once: true });
  });
}

async function playDemo(options: DemoOptions, files: DemoFiles, config: WardenConfig, closers: Array<() => Promise<unknown>>): Promise<DemoSummary> {
  const { print, color, signal } = options;
  // History ends on a Tuesday at 10:00 UTC, in the middle of the deployer's working day.
  const weekStart = Date.UTC(2026, 10, 17, 10, 0, 0);
  const liveStart = Date.now();
  const eventTime = (): Date => new Date(weekStart + (Date.now() - liveStart) * SPEED);
  const bus: DemoBus =
    options.mode === 'kafka'
      ? await retryStartup(() => kafkaBus(config, files, options.logger), {
          budgetMs: options.startBudgetMs ?? 60_000,
          what: `The Kafka broker at ${options.brokers.join(',')}`,
          signal,
          onRetry: (err, attempt, remainingMs) => options.logger.debug({ err, attempt, remainingMs }, 'demo: the broker is not ready yet; trying again'),
        })
      : await embeddedBus(config, files);
  closers.push(() => bus.stop());
  const baselines = bus.mode === 'embedded' ? await embeddedBaselines(config, closers) : null;
  /** Hands events to Warden (and, embedded, to the baselines the inline gateway reads). */
  const publish = (events: readonly WardenEvent[]): Promise<void> => {
    baselines?.learn(events);
    return bus.publish(events);
  };

  const decisions = new Map<string, Decision>();
  const waiting = new Map<string, (d: Decision) => void>();
  bus.onDecision((d) => {
    decisions.set(d.eventId, d);
    waiting.get(d.eventId)?.(d);
  });

  const history = demoHistory(new Date(weekStart), 7);
  print(`1. Teaching Warden a week of normal work: ${history.length} audit events from ${DEMO_FLEET.length} machine identities…`);
  const t0 = Date.now();
  await publish(history);
  const lastId = history[history.length - 1]?.id ?? '';
  const historyDeadline = Date.now() + 120_000;
  while (!decisions.has(lastId)) {
    if (Date.now() > historyDeadline) throw new WardenError('WARDEN_KAFKA_UNAVAILABLE', `the week of history was not decided within 120 s (${decisions.size} of ${history.length} decisions seen)`);
    await pause(50, signal);
  }
  const historyAlerts = history.filter((e) => decisions.get(e.id)?.verdict !== 'allow').length;
  print(`   decided in ${((Date.now() - t0) / 1000).toFixed(1)} s; ${historyAlerts} of them alerted while the baselines were learning.`);

  // The gateway decides every request inline, before the API sees it, and is the audit source:
  // each request it decided goes to Warden as an event with the id it was decided under.
  const api = await startSampleApi({ eventTime });
  closers.push(() => new Promise<void>((resolve) => api.server.close(() => resolve())));
  const tokens = new Map(DEMO_FLEET.map((i) => [sha256Hex(i.token), { identity: i.id, tokenId: i.token }]));
  const gatewayConfig = gatewaySchema.parse({
    listen: { host: '127.0.0.1', port: 0 },
    upstream: api.url,
    identify: { mode: 'bearer' },
    inline: {
      enabled: true,
      emit: true,
      // A stolen token's first request must be decided against its baseline, not waved through: closed.
      failMode: 'closed',
      timeoutMs: 200,
      sourceIpHeader: 'x-demo-source-ip',
      workloadHeader: 'x-demo-workload',
      event: { environment: 'prod', region: 'eu-west-1' },
      routes: DEMO_ROUTES,
    },
  });
  const publishOne = (event: WardenEvent): void => void publish([event]).catch((err: unknown) => options.logger.warn({ err }, 'demo: could not publish an audit event'));
  const inline = await openInlineDecider(config, gatewayConfig, options.logger, { clock: eventTime, emit: publishOne, ...(baselines ? { store: baselines.store } : {}) });
  closers.push(() => inline.close());
  const gateway = await startGateway({ config: gatewayConfig, checker: bus.checker, identifier: createIdentifier(gatewayConfig.identify, tokens), inline: inline.decide, logger: options.logger });
  closers.push(() => gateway.close());
  // `warden run` stores what a batch taught just after publishing its decisions: let the last
  // history batch land before the gateway reads baselines.
  await baselinesLearned(inline.store, history, signal);
  print(`2. Sample API behind the gateway at ${gateway.url}; the fleet goes back to work.`);

  const summary: DemoSummary = {
    mode: bus.mode,
    run: files.run,
    historyEvents: history.length,
    benignRequests: 0,
    benignDenied: 0,
    benignAlerts: 0,
    attackRequests: 0,
    attackAllowed: 0,
    attackDenied: 0,
    msToFirstDenial: null,
    firstAttackDecision: null,
  };
  const call = async (identity: DemoIdentity, c: DemoCall, source: { ip: string; userAgent: string; workload?: string }): Promise<{ status: number; codes: string | null; reason: string | null }> => {
    const res = await fetch(`${gateway.url}${c.path}`, {
      method: c.method,
      signal,
      headers: { authorization: `Bearer ${identity.token}`, 'user-agent': source.userAgent, 'x-demo-source-ip': source.ip, ...(source.workload ? { 'x-demo-workload': source.workload } : {}) },
    });
    await res.arrayBuffer();
    return { status: res.status, codes: res.headers.get('x-warden-reason-codes'), reason: res.headers.get('x-warden-reason') };
  };

  const random = seededRandom(42);
  const activeNow = DEMO_FLEET.filter((i) => i.hours.includes(eventTime().getUTCHours()));
  const benign = async (until: number, fleet: readonly DemoIdentity[]): Promise<void> => {
    while (Date.now() < until) {
      const identity = fleet[Math.floor(random() * fleet.length)] ?? DEMO_FLEET[0]!;
      const c = identity.calls[Math.floor(random() * identity.calls.length)] ?? identity.calls[0]!;
      const { status } = await call(identity, c, { ip: identity.sourceIp, userAgent: identity.userAgent, workload: identity.workload });
      summary.benignRequests++;
      if (status === 403 || status === 503) summary.benignDenied++;
      print(paint(color, 2, `   ${status}  ${identity.id.padEnd(17)} ${c.method.padEnd(6)} ${c.path}`));
      await pause(700 + random() * 600, signal);
    }
  };
  await benign(Date.now() + options.liveSeconds * 500, activeNow);

  print(paint(color, 1, `3. The CI deployer's token leaks. Someone uses it from ${DEMO_ATTACK.sourceIp} with ${DEMO_ATTACK.userAgent}:`));
  const deployer = DEMO_FLEET.find((i) => i.id === DEMO_ATTACK.identity)!;
  const attackStart = Date.now();
  for (const c of DEMO_ATTACK.calls) {
    const { status, codes, reason } = await call(deployer, c, { ip: DEMO_ATTACK.sourceIp, userAgent: DEMO_ATTACK.userAgent });
    summary.attackRequests++;
    if (status === 403) {
      summary.attackDenied++;
      summary.msToFirstDenial ??= Date.now() - attackStart;
      // Decided inline for this request, held after the gateway's own earlier block, or the block
      // table (warden run's block record) refused it.
      const why = reason?.startsWith('held after') ? 'held after its first block' : codes ? `decided inline: ${codes.split(',').slice(0, 3).join(', ')}` : 'block table';
      print(paint(color, 31, `   403  ${deployer.id.padEnd(17)} ${c.method.padEnd(6)} ${c.path}   ← blocked at the gateway (${why})`));
    } else {
      summary.attackAllowed++;
      print(paint(color, 33, `   ${status}  ${deployer.id.padEnd(17)} ${c.method.padEnd(6)} ${c.path}`));
    }
    await pause(400, signal);
  }
  const attackDecisions = [...decisions.values()].filter((d) => d.identity === deployer.id && DEMO_ATTACK.calls.some((c) => c.action === d.action));
  summary.firstAttackDecision = attackDecisions[0] ?? null;
  for (const d of attackDecisions.slice(0, 3)) print(paint(color, 36, `   decision ${d.decisionId.slice(0, 12)}… ${d.action}: ${describeDecision(d)}`));

  print(`4. ${deployer.id} stays blocked until its owner rotates the token and runs \`warden unblock ${deployer.id}\`. The rest of the fleet keeps working:`);
  await benign(Date.now() + options.liveSeconds * 500, activeNow.filter((i) => i.id !== deployer.id));

  const historyIds = new Set(history.map((h) => h.id));
  summary.benignAlerts = [...decisions.values()].filter((d) => !historyIds.has(d.eventId) && d.identity !== deployer.id && d.verdict !== 'allow').length;
  if (options.keep && bus.mode === 'kafka') await options.keep({ config, gatewayUrl: gateway.url, summary });
  return summary;
}

export function formatSummary(s: DemoSummary): string {
  return [
    'Summary',
    `  mode:                         ${s.mode}`,
    `  history decided:              ${s.historyEvents} events`,
    `  live benign requests:         ${s.benignRequests} (${s.benignDenied} denied, ${s.benignAlerts} alerts)`,
    `  attacker requests:            ${s.attackRequests} (${s.attackAllowed} got through, ${s.attackDenied} denied with 403)`,
    `  first attack request → 403:   ${s.msToFirstDenial === null ? 'never' : `${s.msToFirstDenial} ms`}`,
    `  first attack decision:        ${s.firstAttackDecision ? describeDecision(s.firstAttackDecision) : 'none'}`,
  ].join('\n');
}
