/**
 * The enforcer SDK: a local, signature-checked copy of the block table that answers
 * `check(identity, token?, action?, resource?)` synchronously from memory, with no network hop.
 *
 * ```ts
 * const enforcer = createEnforcer({ brokers: ['kafka:9092'], publicKeys: [pem], failMode: 'closed' });
 * await enforcer.ready();
 * if (!enforcer.check('svc-deployer', tokenId).allowed) return deny();
 * ```
 */
import { EventEmitter } from 'node:events';
import { hostname } from 'node:os';
import { randomBytes } from 'node:crypto';
import { Kafka, logLevel } from 'kafkajs';
import type { KafkaMessage } from 'kafkajs';
import { WardenError } from '../errors.js';
import { kafkaRetryOptions, RETRY_POLICIES } from '../retry.js';
import { createVerifier } from '../decisions/signing.js';
import type { Verifier } from '../decisions/signing.js';
import { silentLogger } from '../observability/logger.js';
import type { Logger } from '../observability/logger.js';
import { BlockTable } from './block-table.js';
import type { ActiveBlock, TableChange } from './block-table.js';
import { BlocksFollower } from '../decisions/blocks-follower.js';
import { BlockRecordIntake } from './record-intake.js';
import { ApprovalsFollower } from '../approvals/follower.js';
import type { Grant } from '../approvals/grants.js';

export type FailMode = 'open' | 'closed';

export interface EnforcerOptions {
  /** A kafkajs client (e.g. from `createKafka(config, logger)`); or give `brokers`. */
  kafka?: Kafka;
  brokers?: readonly string[];
  /** @defaultValue 'warden.blocks' */
  topic?: string;
  /**
   * The approvals topic (`warden.approvals`): when set, a grant in force lets its approved action
   * through a block (docs/approvals.md). Unset: grants are not followed. Readiness does not wait
   * for it: until it is read, and whenever it is stale, grants are not honoured (blocks hold).
   */
  approvalsTopic?: string;
  /** PEM (SPKI) Ed25519 public keys whose signatures are trusted (several during a rotation). */
  publicKeys: readonly string[];
  /** What `check` answers once the table is stale: `open` keeps answering from the table, `closed` denies. */
  failMode: FailMode;
  /** No successful fetch or heartbeat for this long makes the table stale. @defaultValue 30000 */
  maxStalenessMs?: number;
  logger?: Logger;
  /** Clock, for tests. @defaultValue Date.now */
  now?: () => number;
}

export interface CheckResult {
  allowed: boolean;
  /** Why the request is denied (the block's reason, or that the table is stale and failMode is closed). */
  reason?: string;
  decisionId?: string | null;
  expiresAt?: string | null;
  /** Present and true when the table may miss blocks: not caught up yet, or no contact with Kafka for longer than maxStalenessMs. */
  stale?: boolean;
  /** The block that denied it (identity or identity|token key), when one did. */
  block?: ActiveBlock;
  /** The grant that let it through a block in force, when one did. */
  grant?: Grant;
}

export interface EnforcerStats {
  ready: boolean;
  stale: boolean;
  activeBlocks: number;
  recordsApplied: number;
  /** Records dropped because they were unsigned, forged, malformed or filed under the wrong key. */
  recordsRejected: number;
  /** Validly signed records older than one already applied for the same key (a replay). */
  recordsOutOfDate: number;
  /** Milliseconds since the last successful fetch or heartbeat. */
  msSinceContact: number;
  /** Present when the approvals topic is followed. */
  approvals?: { ready: boolean; stale: boolean; activeGrants: number; recordsApplied: number; recordsRejected: number; recordsOutOfDate: number };
}

export interface EnforcerEvents {
  block: [ActiveBlock];
  lift: [{ key: string; identity: string; tokenId?: string; reason: string; previous: ActiveBlock | null }];
  expire: [ActiveBlock];
  /** `true` when the table turns stale, `false` when contact is back. */
  stale: [boolean];
  /** A record that was not applied, and why. */
  rejected: [{ reason: string; detail: string; offset: string }];
}

const DEFAULT_MAX_STALENESS_MS = 30_000;

export class Enforcer extends EventEmitter<EnforcerEvents> {
  private readonly table: BlockTable;
  private readonly verifier: Verifier;
  private readonly follower: BlocksFollower;
  private readonly approvals: ApprovalsFollower | null;
  private readonly log: Logger;
  private readonly now: () => number;
  private readonly maxStalenessMs: number;
  private readonly failMode: FailMode;
  /** Verifies records and refuses replays of older signed ones before they reach the table. */
  private readonly intake: BlockRecordIntake;
  private lastContactMs: number;
  private isStale = false;
  private isReady = false;
  private readonly readyPromise: Promise<void>;
  private resolveReady!: () => void;
  private rejectReady!: (err: Error) => void;
  private readonly timer: NodeJS.Timeout;
  private applied = 0;
  private rejected = 0;
  private outOfDate = 0;

  constructor(options: EnforcerOptions) {
    super();
    if (options.publicKeys.length === 0) throw new WardenError('WARDEN_KEY_INVALID', 'an enforcer needs at least one public key to verify block records');
    if (!options.kafka && !options.brokers?.length) throw new WardenError('WARDEN_USAGE', 'createEnforcer needs `kafka` or `brokers`');
    this.verifier = createVerifier(options.publicKeys);
    this.log = (options.logger ?? silentLogger).child({ component: 'enforcer' });
    this.now = options.now ?? Date.now;
    this.maxStalenessMs = options.maxStalenessMs ?? DEFAULT_MAX_STALENESS_MS;
    this.failMode = options.failMode;
    this.lastContactMs = this.now();
    this.table = new BlockTable((change) => this.relay(change));
    this.intake = new BlockRecordIntake(this.verifier, this.table);
    this.readyPromise = new Promise<void>((resolve, reject) => {
      this.resolveReady = resolve;
      this.rejectReady = reject;
    });
    // Without a listener an unawaited ready() must not crash the process on close().
    this.readyPromise.catch(() => undefined);
    const kafka =
      options.kafka ??
      new Kafka({
        clientId: 'warden-enforcer',
        brokers: [...(options.brokers ?? [])],
        connectionTimeout: 3000,
        retry: kafkaRetryOptions(RETRY_POLICIES.enforcerClient),
        logLevel: logLevel.NOTHING,
      });
    this.follower = new BlocksFollower({
      kafka,
      topic: options.topic ?? 'warden.blocks',
      groupId: `warden-enforcer-${hostname()}-${process.pid}-${randomBytes(4).toString('hex')}`,
      logger: this.log,
      onMessages: (messages) => this.applyMessages(messages),
      onContact: () => this.contact(),
      onCaughtUp: () => {
        this.isReady = true;
        this.log.info({ activeBlocks: this.table.size }, 'block table caught up');
        this.resolveReady();
      },
    });
    this.approvals = options.approvalsTopic
      ? new ApprovalsFollower({ kafka, topic: options.approvalsTopic, verifier: this.verifier, logger: this.log, groupPrefix: 'warden-enforcer-approvals', maxStalenessMs: this.maxStalenessMs, now: this.now }).start()
      : null;
    this.timer = setInterval(() => this.tick(), Math.max(50, Math.min(1000, this.maxStalenessMs / 4)));
    this.timer.unref();
    this.follower.start();
  }

  /**
   * Resolves once the table holds every record the topic had when the enforcer started. With
   * `timeoutMs`, rejects with WARDEN_KAFKA_UNAVAILABLE if that takes longer.
   */
  ready(timeoutMs?: number): Promise<void> {
    if (timeoutMs === undefined || this.isReady) return this.readyPromise;
    return new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => reject(new WardenError('WARDEN_KAFKA_UNAVAILABLE', `the blocks topic could not be read to its end within ${timeoutMs} ms`, { retriable: true })), timeoutMs);
      this.readyPromise.then(
        () => (clearTimeout(timer), resolve()),
        (err: Error) => (clearTimeout(timer), reject(err)),
      );
    });
  }

  /** Whether `identity` (with `tokenId`, doing `action` on `resource`) may proceed. Synchronous, from memory. */
  check(identity: string, tokenId?: string, action?: string, resource?: string): CheckResult {
    const nowMs = this.now();
    // Before the table has caught up it may miss blocks: that is stale too.
    const stale = !this.isReady || nowMs - this.lastContactMs > this.maxStalenessMs;
    if (stale && this.failMode === 'closed') {
      const why = this.isReady ? `no contact with the blocks topic for ${Math.round((nowMs - this.lastContactMs) / 1000)} s` : 'the block table has not been loaded yet';
      return { allowed: false, stale: true, reason: `enforcer stale: ${why} (failMode closed)`, decisionId: null };
    }
    const verdict = this.table.check(identity, tokenId, action, nowMs);
    const block = verdict.block;
    if (!block) return stale ? { allowed: true, stale: true } : { allowed: true };
    // An approved, scoped, time-boxed grant lets exactly its action through the block.
    const grant = this.approvals?.grantFor(identity, tokenId, action, resource, nowMs);
    if (grant) return { allowed: true, grant, ...(stale ? { stale: true } : {}) };
    return { allowed: false, reason: block.reason, decisionId: block.decisionId, expiresAt: block.expiresAt, block, ...(stale ? { stale: true } : {}) };
  }

  /** Blocks in force now, soonest expiry first. */
  list(): ActiveBlock[] {
    return this.table.list(this.now());
  }

  stats(): EnforcerStats {
    const nowMs = this.now();
    return {
      ready: this.isReady,
      stale: nowMs - this.lastContactMs > this.maxStalenessMs,
      activeBlocks: this.table.size,
      recordsApplied: this.applied,
      recordsRejected: this.rejected,
      recordsOutOfDate: this.outOfDate,
      msSinceContact: nowMs - this.lastContactMs,
      ...(this.approvals
        ? { approvals: this.approvalStats(nowMs) }
        : {}),
    };
  }

  private approvalStats(nowMs: number): NonNullable<EnforcerStats['approvals']> {
    const follower = this.approvals as ApprovalsFollower;
    const { applied, rejected, outOfDate, stale } = follower.stats;
    return { ready: follower.ready, stale, activeGrants: follower.table.activeGrants(nowMs).length, recordsApplied: applied, recordsRejected: rejected, recordsOutOfDate: outOfDate };
  }

  /** Grants in force now (empty when the approvals topic is not followed), soonest expiry first. */
  grants(): Grant[] {
    return this.approvals?.table.activeGrants(this.now()) ?? [];
  }

  async close(): Promise<void> {
    clearInterval(this.timer);
    if (!this.isReady) this.rejectReady(new WardenError('WARDEN_USAGE', 'the enforcer was closed before it caught up'));
    await Promise.all([this.follower.close(), this.approvals?.close()]);
  }

  private applyMessages(messages: KafkaMessage[]): void {
    const nowMs = this.now();
    for (const message of messages) {
      const result = this.intake.take(message.key, message.value, nowMs);
      if (result.outcome === 'applied') this.applied++;
      else if (result.outcome === 'rejected') {
        this.rejected++;
        this.log.warn({ offset: message.offset, reason: result.reason, detail: result.detail }, 'block record rejected, not applied');
        this.emit('rejected', { reason: result.reason, detail: result.detail, offset: message.offset });
      } else if (result.outcome === 'out-of-date') {
        this.outOfDate++;
        this.log.warn({ offset: message.offset, key: result.key, createdAt: result.createdAt }, 'block record older than one already applied for this key, ignored');
      }
    }
  }

  private relay(change: TableChange): void {
    if (change.type === 'block') this.emit('block', change.block);
    else if (change.type === 'expire') this.emit('expire', change.block);
    else this.emit('lift', { key: change.key, identity: change.identity, ...(change.tokenId ? { tokenId: change.tokenId } : {}), reason: change.reason, previous: change.previous });
  }

  private contact(): void {
    this.lastContactMs = this.now();
    if (this.isStale) {
      this.isStale = false;
      this.log.info('contact with the blocks topic is back');
      this.emit('stale', false);
    }
  }

  private tick(): void {
    const nowMs = this.now();
    this.table.sweep(nowMs);
    if (!this.isStale && nowMs - this.lastContactMs > this.maxStalenessMs) {
      this.isStale = true;
      this.log.warn({ msSinceContact: nowMs - this.lastContactMs, failMode: this.failMode }, 'block table is stale');
      this.emit('stale', true);
    }
  }
}

export function createEnforcer(options: EnforcerOptions): Enforcer {
  return new Enforcer(options);
}
