/** Topic replication follows the cluster: as many replicas as brokers up to 3, two in sync from 3. */
import { describe, expect, it } from 'vitest';
import { parseConfig } from '../../../src/config/load.js';
import { DEFAULT_TOPIC_LAYOUT, replicationFor, topicSpecs } from '../../../src/pipeline/topics.js';

describe('replicationFor', () => {
  it('matches the live brokers: one broker one replica, three or more brokers three with two in sync', () => {
    expect(replicationFor(1)).toEqual({ replicationFactor: 1, minInSyncReplicas: null });
    expect(replicationFor(2)).toEqual({ replicationFactor: 2, minInSyncReplicas: null });
    expect(replicationFor(3)).toEqual({ replicationFactor: 3, minInSyncReplicas: 2 });
    expect(replicationFor(7)).toEqual({ replicationFactor: 3, minInSyncReplicas: 2 });
  });

  it('takes what config or flags ask for, and refuses what the cluster cannot hold with a clear error', () => {
    expect(replicationFor(5, { replicationFactor: 5, minInSyncReplicas: 3 })).toEqual({ replicationFactor: 5, minInSyncReplicas: 3 });
    expect(replicationFor(3, { replicationFactor: 2 })).toEqual({ replicationFactor: 2, minInSyncReplicas: null });
    expect(() => replicationFor(1, { replicationFactor: 3 }, 'WARDEN_USAGE')).toThrow(expect.objectContaining({ code: 'WARDEN_USAGE', message: expect.stringMatching(/needs 3 brokers, but the Kafka cluster has 1 live/) }));
    expect(() => replicationFor(3, { minInSyncReplicas: 4 })).toThrow(expect.objectContaining({ code: 'WARDEN_CONFIG_INVALID', message: expect.stringMatching(/above the replication factor 3/) }));
  });
});

describe('topicSpecs', () => {
  it('puts min.insync.replicas on every topic when the layout has one, and on none otherwise', () => {
    const config = parseConfig('kafka: {}\n', 'warden.yaml');
    const replicated = topicSpecs(config, { ...DEFAULT_TOPIC_LAYOUT, ...replicationFor(3) });
    expect(replicated.map((s) => [s.topic, s.replicationFactor, s.configEntries?.find((e) => e.name === 'min.insync.replicas')?.value])).toEqual([
      ['audit.events', 3, '2'],
      ['warden.decisions', 3, '2'],
      ['warden.blocks', 3, '2'],
      ['warden.approvals', 3, '2'],
      ['warden.audit', 3, '2'],
      ['warden.dlq', 3, '2'],
      ['warden.findings', 3, '2'],
    ]);
    const single = topicSpecs(config);
    expect(single.every((s) => s.replicationFactor === 1 && !(s.configEntries ?? []).some((e) => e.name === 'min.insync.replicas'))).toBe(true);
  });

  it('config refuses a heartbeat above a third of the session, and a minimum above the factor', () => {
    expect(() => parseConfig('kafka: { sessionTimeoutMs: 6000, heartbeatIntervalMs: 2500 }\n', 'warden.yaml')).toThrow(/heartbeatIntervalMs[\s\S]*third of sessionTimeoutMs/);
    expect(() => parseConfig('kafka: { replicationFactor: 2, minInSyncReplicas: 3 }\n', 'warden.yaml')).toThrow(/minInSyncReplicas[\s\S]*replicationFactor \(2\)/);
    const defaults = parseConfig('kafka: {}\n', 'warden.yaml').kafka;
    expect([defaults.sessionTimeoutMs, defaults.heartbeatIntervalMs]).toEqual([6000, 1000]);
  });
});
