/**
 * Follows the compacted approvals topic into an ApprovalTable, reusing the blocks follower (one
 * group per process, no commits, from the beginning). Used by the SDK and gateway (grants), by
 * `warden run` (the decider honours grants) and by the `warden approvals` commands (current state).
 */
import { readFileSync } from 'node:fs';
import { hostname } from 'node:os';
import { randomBytes } from 'node:crypto';
import type { Kafka } from 'kafkajs';
import { createVerifier } from '../decisions/signing.js';
import type { Verifier } from '../decisions/signing.js';
import { WardenError } from '../errors.js';
import { BlocksFollower } from '../decisions/blocks-follower.js';
import type { Logger } from '../observability/logger.js';
import { ApprovalTable } from './grants.js';
import type { Grant, GrantLookup } from './grants.js';
import { ApprovalIntake } from './intake.js';
import type { ApprovalIntakeStats } from './intake.js';

export interface ApprovalsFollowerOptions {
  kafka: Kafka;
  topic: string;
  verifier: Verifier;
  logger: Logger;
  /** Group id prefix; a unique suffix is added. @defaultValue 'warden-approvals' */
  groupPrefix?: string;
  /** No fetch or heartbeat for this long: grants are no longer honoured (refusing is the safe side). */
  maxStalenessMs?: number;
  now?: () => number;
}

export class ApprovalsFollower implements GrantLookup {
  readonly table = new ApprovalTable();
  private readonly intake: ApprovalIntake;
  private readonly follower: BlocksFollower;
  private readonly now: () => number;
  private readonly maxStalenessMs: number;
  private lastContactMs = -Infinity;
  private caughtUp = false;
  private readonly caughtUpPromise: Promise<void>;
  private resolveCaughtUp!: () => void;

  constructor(options: ApprovalsFollowerOptions) {
    const log = options.logger.child({ component: 'approvals' });
    this.now = options.now ?? Date.now;
    this.maxStalenessMs = options.maxStalenessMs ?? 30_000;
    this.intake = new ApprovalIntake(options.verifier, this.table, log);
    this.caughtUpPromise = new Promise((resolve) => (this.resolveCaughtUp = resolve));
    this.follower = new BlocksFollower({
      kafka: options.kafka,
      topic: options.topic,
      groupId: `${options.groupPrefix ?? 'warden-approvals'}-${hostname()}-${process.pid}-${randomBytes(4).toString('hex')}`,
      logger: log,
      onMessages: (messages) => {
        for (const m of messages) this.intake.take(m.key, m.value, m.offset);
      },
      onContact: () => (this.lastContactMs = this.now()),
      onCaughtUp: () => {
        this.caughtUp = true;
        log.info({ requests: this.table.size }, 'approvals table caught up');
        this.resolveCaughtUp();
      },
    });
  }

  start(): this {
    this.follower.start();
    return this;
  }

  get ready(): boolean {
    return this.caughtUp;
  }

  /** Resolves once every record the topic held at start is applied; false after `timeoutMs`. */
  async waitCaughtUp(timeoutMs: number): Promise<boolean> {
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<boolean>((resolve) => (timer = setTimeout(() => resolve(false), timeoutMs)));
    try {
      return await Promise.race([this.caughtUpPromise.then(() => true), timeout]);
    } finally {
      clearTimeout(timer);
    }
  }

  get stats(): ApprovalIntakeStats & { stale: boolean } {
    return { ...this.intake.stats, stale: this.stale(this.now()) };
  }

  /** Grants count only while the table is fresh: a revocation must not be missed for long. */
  grantFor(identity: string, tokenId: string | undefined, action: string | undefined, resource: string | undefined, nowMs: number): Grant | null {
    if (this.stale(this.now())) return null;
    return this.table.grantFor(identity, tokenId, action, resource, nowMs);
  }

  async close(): Promise<void> {
    await this.follower.close();
  }

  private stale(nowMs: number): boolean {
    return !this.caughtUp || nowMs - this.lastContactMs > this.maxStalenessMs;
  }
}

/**
 * The grants `warden run` honours: the approvals topic of `config`, verified with
 * `signing.publicKeyFile` (the key approval records are signed with).
 */
export function followGrants(kafka: Kafka, topic: string, publicKeyFile: string, logger: Logger): ApprovalsFollower {
  let pem: string;
  try {
    pem = readFileSync(publicKeyFile, 'utf8');
  } catch (cause) {
    throw new WardenError('WARDEN_KEY_INVALID', `cannot read public key ${publicKeyFile} to verify approval records (signing.publicKeyFile; create one with \`warden keys generate\`)`, { cause });
  }
  return new ApprovalsFollower({ kafka, topic, verifier: createVerifier([pem]), logger, groupPrefix: 'warden-run-approvals' }).start();
}
