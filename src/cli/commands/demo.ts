import { spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { fileURLToPath } from 'node:url';
import type { Command } from 'commander';
import { createLogger } from '../../observability/logger.js';
import { formatSummary, runDemo } from '../../demo/run-demo.js';
import type { DemoSummary } from '../../demo/run-demo.js';
import type { WardenConfig } from '../../config/schema.js';
import { WardenError } from '../../errors.js';
import { startConsole } from '../../console/start.js';
import { parseListen } from './console.js';

const SERVICES = fileURLToPath(new URL('../../../scripts/services.mjs', import.meta.url));

/** Brings up the local broker and Redis; returns why not when they cannot run here. */
function servicesUp(): string | null {
  const result = spawnSync(process.execPath, [SERVICES, 'up'], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
  if (result.status === 0) return null;
  return (result.stderr || result.stdout || 'unknown error').trim().split('\n').slice(-3).join(' ');
}

export function registerDemoCommand(program: Command): void {
  program
    .command('demo')
    .description('build it, break it, watch the guardrails hold: a live fleet, a stolen token, 403s (about a minute)')
    .option('--embedded', 'run without Kafka and Redis (same decider in process)', false)
    .option('--seconds <n>', 'seconds of benign live traffic', '20')
    .option('--dir <dir>', 'folder for the demo\'s keys, inventory and policy', '.warden/demo')
    .option('--keep [host:port]', 'after the walk-through keep the stack running and open the operator console (default 127.0.0.1:8090) until Ctrl-C')
    .action(async (opts: { embedded: boolean; seconds: string; dir: string; keep?: boolean | string }) => {
      const keepListen = typeof opts.keep === 'string' ? parseListen(opts.keep) : undefined;
      let mode: 'kafka' | 'embedded' = opts.embedded ? 'embedded' : 'kafka';
      if (mode === 'kafka') {
        console.log('Starting the local Kafka broker and Redis (npm run services:up)…');
        const why = servicesUp();
        if (why) {
          console.log(`Kafka/Redis cannot run here (${why}); switching to embedded mode.`);
          mode = 'embedded';
        }
      }
      // Ctrl-C or SIGTERM: the demo stops, removes its topics and Redis keys, then exits; a second signal exits at once.
      const controller = new AbortController();
      let signalled: NodeJS.Signals | null = null;
      const onSignal = (name: NodeJS.Signals): void => {
        if (signalled) process.exit(name === 'SIGINT' ? 130 : 143);
        signalled = name;
        console.log(`\n${name}: stopping the demo and removing its topics and keys (again to quit at once)…`);
        controller.abort(new WardenError('WARDEN_USAGE', `the demo was interrupted (${name})`));
      };
      process.on('SIGINT', onSignal);
      process.on('SIGTERM', onSignal);
      let summary: DemoSummary;
      try {
        summary = await runDemo({
          mode,
          liveSeconds: Number(opts.seconds),
          brokers: (process.env.WARDEN_KAFKA_BROKERS ?? '127.0.0.1:9092').split(','),
          redisUrl: process.env.WARDEN_REDIS_URL ?? 'redis://127.0.0.1:6379',
          dir: opts.dir,
          logger: createLogger({ level: 'error' }),
          print: (line) => console.log(line),
          color: Boolean(process.stdout.isTTY),
          signal: controller.signal,
          ...(opts.keep ? { keep: (stack) => keepRunning(stack, keepListen, controller.signal) } : {}),
        });
      } catch (err) {
        if (signalled) {
          process.exitCode = signalled === 'SIGINT' ? 130 : 143;
          return;
        }
        throw err;
      } finally {
        process.off('SIGINT', onSignal);
        process.off('SIGTERM', onSignal);
      }
      if (opts.keep && summary.mode !== 'kafka') console.log('\n--keep needs Kafka and Redis: the embedded demo has no stack to keep.');
      if (!(opts.keep && summary.mode === 'kafka')) console.log(`\n${formatSummary(summary)}`);
      const held = summary.attackDenied > 0 && summary.benignDenied === 0;
      console.log(held ? '\nThe guardrails held: the stolen token was stopped, the fleet kept working.' : '\nThe guardrails did NOT hold as expected.');
      process.exitCode = held ? 0 : 1;
    });
}

/** `--keep`: the operator console on the demo's topics, with a one-off token, until Ctrl-C. */
async function keepRunning(stack: { config: WardenConfig; gatewayUrl: string; summary: DemoSummary }, listen: { host: string; port: number } | undefined, signal: AbortSignal): Promise<void> {
  const token = process.env.WARDEN_CONSOLE_TOKEN || randomBytes(24).toString('hex');
  const running = await startConsole(stack.config, createLogger({ level: 'error' }), { ...(listen ? { listen } : {}), env: { ...process.env, WARDEN_CONSOLE_TOKEN: token } });
  console.log(`\n${formatSummary(stack.summary)}`);
  console.log(`\nThe stack keeps running (--keep):`);
  console.log(`  console  ${running.url}/identities/svc-ci-deployer   sign in with the token ${token}`);
  console.log(`  gateway  ${stack.gatewayUrl}`);
  console.log('Press Ctrl-C to stop and remove the demo\'s topics and keys.');
  try {
    await new Promise<void>((resolve) => (signal.aborted ? resolve() : signal.addEventListener('abort', () => resolve(), { once: true })));
  } finally {
    await running.close();
  }
}
