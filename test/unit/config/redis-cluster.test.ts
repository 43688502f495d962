import { Cluster, Redis } from 'ioredis';
import { describe, expect, it } from 'vitest';
import { parseConfig } from '../../../src/config/load.js';
import { clusterNode, clusterOptions, createRedisClient, redisStoreOptions } from '../../../src/pipeline/redis-connection.js';

describe('redis.cluster', () => {
  it('is off by default: one Redis at redis.url', () => {
    const config = parseConfig('{}', 'warden.yaml');
    expect(config.redis.cluster.nodes).toEqual([]);
    const client = createRedisClient(config, true);
    client.disconnect();
    expect(client).toBeInstanceOf(Redis);
  });

  it('takes seed nodes from the file or from WARDEN_REDIS_CLUSTER_NODES (comma separated), and switches to a Cluster client', () => {
    const fromFile = parseConfig('redis:\n  cluster:\n    nodes: ["10.0.0.1:7001", "[::1]:7002"]\n', 'warden.yaml');
    expect(fromFile.redis.cluster.nodes).toEqual(['10.0.0.1:7001', '[::1]:7002']);
    expect(fromFile.redis.cluster.nodes.map(clusterNode)).toEqual([
      { host: '10.0.0.1', port: 7001 },
      { host: '::1', port: 7002 },
    ]);
    const fromEnv = parseConfig('redis:\n  url: redis://r:6379\n', 'warden.yaml', { WARDEN_REDIS_CLUSTER_NODES: ' a:7001, b:7002 ,' });
    expect(fromEnv.redis.cluster.nodes).toEqual(['a:7001', 'b:7002']);
    const client = createRedisClient({ ...fromEnv, redis: { ...fromEnv.redis, cluster: { nodes: ['127.0.0.1:1'] } } }, true);
    client.on('error', () => undefined);
    client.disconnect();
    expect(client).toBeInstanceOf(Cluster);
  });

  it('live: masters only, no offline queue, the command timeout on every node; batch tools queue', () => {
    const config = parseConfig('redis:\n  password: s3cret\n  commandTimeoutMs: 750\n  cluster:\n    nodes: ["a:7001"]\n', 'warden.yaml');
    const live = clusterOptions(config, true);
    expect(live).toMatchObject({ scaleReads: 'master', enableOfflineQueue: false, redisOptions: { password: 's3cret', commandTimeout: 750 } });
    expect(clusterOptions(config, false).enableOfflineQueue).toBe(true);
    expect(clusterOptions(config, false).clusterRetryStrategy!(20)).toBeNull();
    expect(live.clusterRetryStrategy!(20)).toBeGreaterThan(0);
  });

  it.each([['a'], ['a:'], ['a:0'], ['a:70000'], ['a b:7001'], ['redis://a:7001']])('refuses the node "%s" with the field named', (node) => {
    expect(() => parseConfig(`redis:\n  cluster:\n    nodes: ["${node}"]\n`, 'warden.yaml')).toThrow(/redis\.cluster\.nodes/);
  });

  it('replica acknowledgements: off by default, passed to the store', () => {
    expect(redisStoreOptions(parseConfig('{}', 'warden.yaml'))).toMatchObject({ keyPrefix: 'warden', replicaAcks: 0 });
    const config = parseConfig('redis:\n  replicaAcks: 1\n  replicaAckTimeoutMs: 250\n', 'warden.yaml');
    expect(redisStoreOptions(config, 'other')).toMatchObject({ keyPrefix: 'other', replicaAcks: 1, replicaAckTimeoutMs: 250 });
    expect(() => parseConfig('redis:\n  replicaAcks: -1\n', 'warden.yaml')).toThrow(/redis\.replicaAcks/);
  });

  it('blames the environment variable for a bad node it gave', () => {
    expect(() => parseConfig('{}', 'warden.yaml', { WARDEN_REDIS_CLUSTER_NODES: 'a:7001,b' })).toThrow(/WARDEN_REDIS_CLUSTER_NODES/);
  });
});
