/**
 * Routes, deduplicates and delivers the notifications of a batch of decisions. `notify` settles
 * once every message is delivered or dead-lettered (the caller commits after it); it throws when
 * stopped mid-way or when a dead letter cannot be written, so the batch is read again.
 */
import type { Dispatcher } from 'undici';
import type { NotifyConfig } from '../config/sections/notify.js';
import type { Decision } from '../decisions/decision.js';
import { WardenError } from '../errors.js';
import type { Logger } from '../observability/logger.js';
import type { DeadLetterSink, NotifyDeadLetter } from './dead-letters.js';
import { Deduplicator } from './dedup.js';
import { deliver } from './deliver.js';
import type { DeliveryTarget } from './deliver.js';
import { buildNotification } from './message.js';
import type { Notification } from './message.js';
import type { SinkMetrics } from './metrics.js';
import { compileRoutes } from './routes.js';
import type { Router } from './routes.js';

export interface NotifierDeps {
  config: NotifyConfig;
  consoleUrl: string | null;
  targets: ReadonlyMap<string, DeliveryTarget>;
  deadLetters: DeadLetterSink | null;
  metrics: SinkMetrics;
  logger: Logger;
  dispatcher?: Dispatcher;
  now?: () => number;
  random?: () => number;
}

interface Job {
  target: DeliveryTarget;
  notification: Notification;
  deliveryId: string;
}

/** Runs `work` over `items` with at most `limit` in flight. */
async function pool<T>(items: readonly T[], limit: number, work: (item: T) => Promise<void>): Promise<void> {
  let next = 0;
  const runners = Array.from({ length: Math.min(limit, items.length) }, async () => {
    while (next < items.length) await work(items[next++]!);
  });
  await Promise.all(runners);
}

export class Notifier {
  private readonly route: Router;
  private readonly dedup: Deduplicator;
  private readonly log: Logger;

  constructor(private readonly deps: NotifierDeps) {
    this.route = compileRoutes(deps.config.routes);
    this.dedup = new Deduplicator(deps.config.dedupWindowSeconds * 1000);
    this.log = deps.logger.child({ component: 'notify' });
  }

  /** True when any route is configured. */
  get enabled(): boolean {
    return this.deps.config.routes.length > 0;
  }

  async notify(decisions: readonly Decision[], signal?: AbortSignal): Promise<void> {
    const { config, metrics, targets } = this.deps;
    const jobs: Job[] = [];
    for (const decision of decisions) {
      if (decision.verdict === 'allow') continue;
      const names = this.route(decision);
      if (names.length === 0) continue;
      const dedup = this.dedup.check(decision);
      if (!dedup.send) {
        metrics.notifySuppressed.inc();
        this.log.debug({ identity: decision.identity, decisionId: decision.decisionId, suppressed: dedup.suppressed }, 'notification suppressed as a repeat');
        continue;
      }
      const notification = buildNotification(decision, { topReasons: config.topReasons, consoleUrl: this.deps.consoleUrl, suppressed: { count: dedup.suppressed, since: dedup.suppressedSince } });
      for (const name of names) {
        const target = targets.get(name);
        if (target) jobs.push({ target, notification, deliveryId: `${decision.decisionId}.${name}` });
      }
    }
    const dead: NotifyDeadLetter[] = [];
    let aborted = false;
    await pool(jobs, config.concurrency, async (job) => {
      const { target } = job;
      const outcome = await deliver(target, job.notification, job.deliveryId, config.retry, {
        dispatcher: this.deps.dispatcher,
        now: this.deps.now,
        random: this.deps.random,
        signal,
        onRetry: (info) => {
          metrics.notifyFailed.inc({ target: target.name });
          this.log.warn({ target: target.name, decisionId: job.notification.decision.decisionId, attempt: info.attempt, reason: info.reason, retryInMs: info.delayMs }, 'notification failed; retrying');
        },
      });
      if (outcome.ok) {
        metrics.notifySent.inc({ target: target.name });
        return;
      }
      if (outcome.aborted) {
        aborted = true;
        return;
      }
      metrics.notifyFailed.inc({ target: target.name });
      this.log.error({ target: target.name, decisionId: job.notification.decision.decisionId, attempts: outcome.attempts, reason: outcome.reason }, 'notification failed for good; dead-lettering it');
      dead.push({
        kind: 'warden.notify.dead-letter',
        target: target.name,
        targetType: target.type,
        deliveryId: job.deliveryId,
        reason: outcome.reason,
        status: outcome.status ?? null,
        attempts: outcome.attempts,
        failedAt: new Date((this.deps.now ?? Date.now)()).toISOString(),
        decision: job.notification.decision,
      });
    });
    if (dead.length > 0) {
      if (this.deps.deadLetters === null) {
        this.log.error({ count: dead.length }, 'notifications failed and no notify.deadLetter is configured: they are lost (logged above)');
      } else {
        await this.deps.deadLetters.write(dead);
      }
      for (const d of dead) metrics.notifyDeadLettered.inc({ target: d.target });
    }
    if (aborted) throw new WardenError('WARDEN_NOTIFY_FAILED', 'stopped while notifications were pending; the batch will be read again', { retriable: true });
  }
}
