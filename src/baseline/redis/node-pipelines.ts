/**
 * Script calls over many identities, one pipeline per Redis node: a single Redis gets one pipeline,
 * a Redis Cluster one per master (grouped by the slot of each identity's key), all in parallel.
 * A cluster group refused while slots move or a replica is promoted is regrouped from a refreshed
 * slot map and sent again, with backoff, for a while; the callers' writes are idempotent (watermark
 * and version checks), so sending one twice is harmless. With `replicaAcks`, a WAIT closes each
 * group of writes and a group its replicas do not acknowledge is reported as unavailable.
 */
import type { ChainableCommander, Cluster, Redis } from 'ioredis';
import calculateSlot from 'cluster-key-slot';
import { WardenError } from '../../errors.js';
import { storeError } from './errors.js';

export interface NodePipelineOptions {
  /** The key whose slot places an identity (all of its keys share the hash tag). */
  keyOf: (identity: string) => string;
  /** How long refused cluster groups are sent again before the store reports itself unavailable. */
  retryMs: number;
  /** Replicas that must acknowledge a group of writes (WAIT), 0 for none. */
  replicaAcks: number;
  replicaAckTimeoutMs: number;
}

type Reply = [Error | null, unknown];

/** Errors a cluster gives while slots move or a replica is promoted: worth sending the group again. */
const CLUSTER_TRANSIENT = /^(MOVED|ASK|TRYAGAIN|CLUSTERDOWN)|Connection is closed|ECONNREFUSED|ECONNRESET|EPIPE|Stream isn't writeable|Failed to refresh slots cache|READONLY|LOADING/;

export class NodePipelines<P extends ChainableCommander> {
  /** Script calls sent again after a cluster refused them. */
  resent = 0;
  private readonly cluster: Cluster | null;

  constructor(
    private readonly redis: Redis | Cluster,
    private readonly options: NodePipelineOptions,
  ) {
    this.cluster = (redis as { isCluster?: boolean }).isCluster === true ? (redis as Cluster) : null;
  }

  /**
   * Runs one script call per item, one pipeline per Redis node, and returns the replies in item
   * order. On a cluster, items refused while slots move are regrouped and sent again.
   */
  async run<T>(items: readonly T[], identity: (item: T) => string, add: (pipeline: P, item: T) => void, operation: string, writes: boolean): Promise<unknown[]> {
    const acks = writes ? this.options.replicaAcks : 0;
    const replies = new Array<unknown>(items.length);
    if (items.length === 0) return replies;
    let pending = items.map((_, i) => i);
    const deadline = Date.now() + this.options.retryMs;
    for (let attempt = 0; pending.length > 0; attempt++) {
      const retry: number[] = [];
      let lastError: unknown = null;
      await Promise.all(
        this.groups(pending, (i) => identity(items[i]!)).map(async (group) => {
          const pipeline = this.redis.pipeline() as P;
          for (const i of group) add(pipeline, items[i]!);
          // WAIT answers once the replicas have every write this connection made, these included.
          if (acks > 0) pipeline.wait(acks, this.options.replicaAckTimeoutMs);
          let results: Reply[] | null;
          try {
            results = (await pipeline.exec()) as Reply[] | null;
          } catch (err) {
            if (!this.transient(err)) throw storeError(err, operation);
            lastError = err;
            retry.push(...group);
            return;
          }
          if (!results) throw storeError(new Error('pipeline returned no replies'), operation);
          if (acks > 0) {
            const [err, acked] = results[group.length] ?? [new Error('missing WAIT reply'), 0];
            if (err) throw storeError(err, operation);
            if (Number(acked) < acks) {
              // Written on the master only: not stored yet. Sent again, the write is skipped by its
              // watermark (or rewritten whole) and WAIT asks again for the replicas to catch up.
              throw new WardenError('WARDEN_STORE_UNAVAILABLE', `baseline store unavailable during ${operation}: ${String(acked)} of ${acks} replicas acknowledged the write within ${this.options.replicaAckTimeoutMs} ms (redis.replicaAcks)`, { retriable: true });
            }
          }
          group.forEach((i, k) => {
            const [err, value] = results[k] ?? [new Error('missing reply'), null];
            if (err) {
              if (!this.transient(err)) throw storeError(err, operation);
              lastError = err;
              retry.push(i);
            } else {
              replies[i] = value;
            }
          });
        }),
      );
      if (retry.length === 0) break;
      this.resent += retry.length;
      if (Date.now() >= deadline) throw storeError(lastError ?? new Error('cluster kept refusing'), operation);
      // The slot map is stale (a failover, a resharding): refresh it before regrouping.
      this.cluster?.refreshSlotsCache();
      await new Promise((resolve) => setTimeout(resolve, Math.min(100 * 2 ** attempt, 1000)));
      pending = retry.sort((a, b) => a - b);
    }
    return replies;
  }

  /** Only a cluster retries inside the store; a single Redis reports the outage to the pipeline at once. */
  private transient(err: unknown): boolean {
    return this.cluster !== null && CLUSTER_TRANSIENT.test(err instanceof Error ? err.message : String(err));
  }

  /** Items grouped so that no pipeline spans Redis nodes (one group on a single Redis). */
  private groups(indices: readonly number[], identity: (i: number) => string): number[][] {
    const cluster = this.cluster;
    if (!cluster) return [[...indices]];
    const byNode = new Map<string, number[]>();
    for (const i of indices) {
      const slot = calculateSlot(this.options.keyOf(identity(i)));
      // Before the slot map is known (still connecting), one group per slot is always accepted.
      const node = cluster.slots[slot]?.[0] ?? `slot:${slot}`;
      const list = byNode.get(node);
      if (list) list.push(i);
      else byNode.set(node, [i]);
    }
    return [...byNode.values()];
  }
}
