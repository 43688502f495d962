/**
 * Helpers of the many-instance tests (fleet): config copies that give each `warden run` its own
 * HTTP port, and the Redis Cluster as its own nodes see it (`CLUSTER NODES`): its masters, the
 * keys each master holds, stopping a master, timing its replica's promotion and making the
 * cluster whole again afterwards.
 */
import { spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Redis } from 'ioredis';
import { parse, stringify } from 'yaml';
import { eventually } from './services.js';
import type { WardenTestSetup } from './warden-process.js';

/** The local cluster of `scripts/services.mjs up --redis-cluster`, or the one WARDEN_REDIS_CLUSTER_NODES names. */
export const externalCluster = process.env.WARDEN_REDIS_CLUSTER_NODES !== undefined && process.env.WARDEN_REDIS_CLUSTER_NODES !== '';
export const CLUSTER_NODES = externalCluster
  ? (process.env.WARDEN_REDIS_CLUSTER_NODES ?? '')
  : [7001, 7002, 7003, 7004, 7005, 7006].map((p) => `127.0.0.1:${p}`).join(',');

/** A copy of the setup's config whose HTTP endpoints listen on `port`, next to the original. */
export function configCopy(setup: WardenTestSetup, name: string, port: number): WardenTestSetup {
  const config = parse(readFileSync(setup.configFile, 'utf8')) as { pipeline: { http: { host: string; port: number } } };
  config.pipeline.http = { ...config.pipeline.http, port };
  const configFile = join(setup.dir, `warden-${name}.yaml`);
  writeFileSync(configFile, stringify(config));
  return { ...setup, configFile };
}

export interface ClusterNodeInfo {
  id: string;
  host: string;
  port: number;
  address: string;
  master: boolean;
  /** Marked failed (`fail`) or without an address (`noaddr`) by the cluster. */
  failed: boolean;
  /** For a replica, the id of its master. */
  masterId: string | null;
  /** Slot ranges served (masters), as `[from, to]`. */
  slots: Array<[number, number]>;
}

function nodeClient(host: string, port: number): Redis {
  const client = new Redis({ host, port, lazyConnect: true, maxRetriesPerRequest: 0, retryStrategy: () => null, enableOfflineQueue: false, connectTimeout: 2000, commandTimeout: 3000 });
  client.on('error', () => undefined);
  return client;
}

/** Runs one command on one node; null when the node does not answer. */
export async function onNode(address: string, ...command: [string, ...(string | number)[]]): Promise<unknown> {
  const colon = address.lastIndexOf(':');
  const client = nodeClient(address.slice(0, colon), Number(address.slice(colon + 1)));
  try {
    await client.connect();
    return await client.call(...command);
  } catch {
    return null;
  } finally {
    client.disconnect();
  }
}

export function parseClusterNodes(text: string): ClusterNodeInfo[] {
  return text
    .split('\n')
    .filter((line) => line.trim() !== '')
    .map((line) => {
      const [id = '', addr = '', flags = '', master = '-', , , , , ...slots] = line.trim().split(' ');
      const address = addr.split('@')[0] ?? '';
      const colon = address.lastIndexOf(':');
      const flagSet = new Set(flags.split(','));
      return {
        id,
        host: address.slice(0, colon),
        port: Number(address.slice(colon + 1)),
        address,
        master: flagSet.has('master'),
        failed: flagSet.has('fail') || flagSet.has('noaddr'),
        masterId: master === '-' ? null : master,
        slots: slots.filter((s) => !s.startsWith('[')).map((s) => {
          const [from, to = from] = s.split('-');
          return [Number(from), Number(to)] as [number, number];
        }),
      };
    });
}

/** The cluster's nodes as the first answering seed sees them. */
export async function clusterNodes(seeds = CLUSTER_NODES): Promise<ClusterNodeInfo[]> {
  for (const seed of seeds.split(',')) {
    const text = await onNode(seed.trim(), 'CLUSTER', 'NODES');
    if (typeof text === 'string') return parseClusterNodes(text);
  }
  throw new Error(`no node of the Redis Cluster answers (${seeds})`);
}

/** Live masters serving slots, by `host:port`. */
export async function liveMasters(): Promise<ClusterNodeInfo[]> {
  return (await clusterNodes()).filter((n) => n.master && !n.failed && n.slots.length > 0);
}

/** How many keys under `prefix` each live master holds (SCAN per master), by `host:port`. */
export async function keysPerMaster(prefix: string): Promise<Map<string, number>> {
  const out = new Map<string, number>();
  for (const master of await liveMasters()) {
    const client = nodeClient(master.host, master.port);
    try {
      await client.connect();
      let cursor = '0';
      let n = 0;
      do {
        const [next, keys] = await client.scan(cursor, 'MATCH', `${prefix}*`, 'COUNT', 1000);
        cursor = next;
        n += keys.length;
      } while (cursor !== '0');
      out.set(master.address, n);
    } finally {
      client.disconnect();
    }
  }
  return out;
}

/** Deletes every key under `prefix` on every live master. */
export async function deleteClusterKeys(prefix: string): Promise<void> {
  for (const master of await liveMasters().catch(() => [])) {
    const client = nodeClient(master.host, master.port);
    try {
      await client.connect();
      let cursor = '0';
      do {
        const [next, keys] = await client.scan(cursor, 'MATCH', `${prefix}*`, 'COUNT', 1000);
        cursor = next;
        for (const key of keys) await client.del(key);
      } while (cursor !== '0');
    } catch {
      // Best effort: the keys also expire (baseline TTL).
    } finally {
      client.disconnect();
    }
  }
}

/** `node scripts/services.mjs <command> --redis-cluster`; its output, or an Error with it. */
export function servicesRedisCluster(command: 'up' | 'status'): { ok: boolean; output: string } {
  const result = spawnSync(process.execPath, ['scripts/services.mjs', command, '--redis-cluster'], { encoding: 'utf8', timeout: 90_000 });
  return { ok: result.status === 0, output: `${result.stdout}${result.stderr}` };
}

/**
 * Three masters serving all slots, each with a live replica synchronised with it (a replica that
 * never had a link to its master is not elected in its place), every node seeing `cluster_state:ok`.
 */
export async function clusterWhole(): Promise<boolean> {
  const nodes = await clusterNodes().catch(() => []);
  const masters = nodes.filter((n) => n.master && !n.failed && n.slots.length > 0);
  const replicas = nodes.filter((n) => !n.master && !n.failed);
  if (masters.length !== 3 || !masters.every((m) => replicas.some((r) => r.masterId === m.id))) return false;
  for (const n of [...masters, ...replicas]) {
    const info = await onNode(n.address, 'CLUSTER', 'INFO');
    if (typeof info !== 'string' || !info.includes('cluster_state:ok')) return false;
  }
  for (const r of replicas) {
    const info = await onNode(r.address, 'INFO', 'replication');
    if (typeof info !== 'string' || !info.includes('master_link_status:up')) return false;
  }
  return true;
}

/**
 * Stops a master: `SHUTDOWN NOSAVE` on the local cluster (its replica is promoted once the others
 * miss it for cluster-node-timeout), `CLUSTER FAILOVER` on its replica on someone else's cluster.
 */
export async function stopMaster(master: ClusterNodeInfo): Promise<void> {
  if (externalCluster) {
    const replica = (await clusterNodes()).find((n) => n.masterId === master.id && !n.failed);
    if (!replica) throw new Error(`master ${master.address} has no live replica to fail over to`);
    await onNode(replica.address, 'CLUSTER', 'FAILOVER');
    return;
  }
  const result = spawnSync('redis-cli', ['-h', master.host, '-p', String(master.port), 'shutdown', 'nosave'], { encoding: 'utf8', timeout: 10_000 });
  if (result.error) throw new Error(`redis-cli shutdown nosave on ${master.address}: ${result.error.message}`);
}

/**
 * Resolves when another live master serves every slot the stopped one served. Redis elects the
 * replica itself; when it does not in time, the error says how the cluster saw its nodes and what
 * the stopped master's replicas said of their replication, so that a failure can be read later.
 */
export async function awaitPromotion(stopped: ClusterNodeInfo, timeoutMs = 60_000): Promise<void> {
  await eventually(
    async () => {
      const masters = await liveMasters().catch(() => []);
      return stopped.slots.every(([from, to]) => masters.some((m) => m.address !== stopped.address && m.slots.some(([a, b]) => a <= from && b >= to)));
    },
    timeoutMs,
    `a replica promoted in place of ${stopped.address}`,
  ).catch(async (err: Error) => {
    const nodes = await clusterNodes().catch(() => []);
    const view = nodes.map((n) => `${n.address} ${n.master ? 'master' : `replica of ${n.masterId ?? '?'}`}${n.failed ? ' (failed)' : ''} ${n.slots.length} slot ranges`);
    const replicas = nodes.filter((n) => n.masterId === stopped.id);
    const replication = await Promise.all(
      replicas.map(async (r) => {
        const info = await onNode(r.address, 'INFO', 'replication');
        const fields = typeof info === 'string' ? info.split('\r\n').filter((line) => /^(role|master_link_status|master_link_down_since_seconds|master_last_io_seconds_ago)/.test(line)) : ['no answer'];
        return `${r.address}: ${fields.join(', ')}`;
      }),
    );
    throw new Error(`${err.message}\ncluster nodes:\n  ${view.join('\n  ')}\nreplicas of ${stopped.address} (${stopped.id}):\n  ${replication.join('\n  ') || 'none'}`);
  });
}

/**
 * Makes the local cluster whole again after a master was stopped. `up --redis-cluster` restarts a
 * missing node when this checkout's services script started the cluster; when another checkout
 * did (its pid files are elsewhere), the missing port gets a fresh node (files in a temp folder)
 * that joins as the replica of the master without one, and the dead node's id is forgotten.
 */
export async function restoreCluster(): Promise<string> {
  if (externalCluster || (await clusterWhole())) return 'whole';
  const up = servicesRedisCluster('up');
  if (up.ok) {
    await eventually(clusterWhole, 60_000, 'the Redis Cluster whole again after `up --redis-cluster`');
    return 'restarted by `services.mjs up --redis-cluster`';
  }
  const nodes = await clusterNodes();
  const alive = nodes.filter((n) => !n.failed);
  const seeds = CLUSTER_NODES.split(',');
  const missing: string[] = [];
  for (const seed of seeds) if ((await onNode(seed, 'PING')) !== 'PONG') missing.push(seed);
  for (const address of missing) {
    const dead = nodes.find((n) => n.address === address);
    if (dead) for (const n of alive) await onNode(n.address, 'CLUSTER', 'FORGET', dead.id);
    const port = Number(address.slice(address.lastIndexOf(':') + 1));
    const dir = mkdtempSync(join(tmpdir(), `warden-cluster-${port}-`));
    const server = spawn('redis-server', [
      '--port', String(port), '--bind', '127.0.0.1', '--cluster-enabled', 'yes', '--cluster-config-file', join(dir, 'nodes.conf'),
      '--cluster-node-timeout', '2000', '--save', '', '--appendonly', 'no', '--repl-diskless-sync-delay', '0', '--daemonize', 'yes',
      '--pidfile', join(dir, 'redis.pid'), '--dir', dir, '--logfile', join(dir, 'redis.log'),
    ], { stdio: 'ignore' });
    await new Promise((r) => server.once('exit', r));
    await eventually(async () => (await onNode(address, 'PING')) === 'PONG', 15_000, `a fresh node on ${address}`);
    const seed = alive[0];
    if (!seed) throw new Error('no live node to join');
    await onNode(address, 'CLUSTER', 'MEET', seed.host, seed.port);
    await eventually(async () => parseClusterNodes(String((await onNode(address, 'CLUSTER', 'NODES')) ?? '')).filter((n) => n.master && n.slots.length > 0).length === 3, 30_000, `${address} seeing the three masters`);
    const current = await clusterNodes();
    const orphan = current.find((m) => m.master && !m.failed && m.slots.length > 0 && !current.some((r) => r.masterId === m.id && !r.failed));
    if (orphan) await onNode(address, 'CLUSTER', 'REPLICATE', orphan.id);
  }
  await eventually(clusterWhole, 60_000, 'the Redis Cluster whole again');
  return `re-created ${missing.join(', ')} as replica(s): ${up.output.trim().split('\n').pop() ?? ''}`;
}
