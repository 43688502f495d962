import { describe, expect, it } from 'vitest';
import { parseConfig } from '../../../src/config/load.js';
import { topicSpecs } from '../../../src/pipeline/topics.js';

describe('approvals configuration and topics', () => {
  it('defaults: one approver per criticality, pending requests expire after 1 h, grants at most 24 h', () => {
    const config = parseConfig('{}', 'warden.yaml');
    expect(config.approvals).toEqual({ required: { low: 1, medium: 1, high: 1, critical: 1, unknown: 1 }, pendingTtlSeconds: 3600, policyGrantTtlSeconds: 3600, maxGrantTtlSeconds: 86_400 });
    expect(config.kafka.topics).toMatchObject({ approvals: 'warden.approvals', audit: 'warden.audit' });
    expect(parseConfig('approvals: { required: { critical: 2 } }', 'warden.yaml').approvals.required).toMatchObject({ critical: 2, high: 1 });
  });

  it('refuses zero approvers and unknown keys with file, line and field', () => {
    expect(() => parseConfig('approvals:\n  required: { critical: 0 }\n', 'warden.yaml')).toThrow(/warden\.yaml:2:\d+ approvals\.required\.critical/);
    expect(() => parseConfig('approvals:\n  requierd: {}\n', 'warden.yaml')).toThrow(/approvals/);
  });

  it('`warden topics create` makes the approvals topic compacted and keeps the audit topic forever', () => {
    const specs = topicSpecs(parseConfig('kafka: { topics: { approvals: a.approvals, audit: a.audit } }', 'warden.yaml'));
    const settings = (topic: string): Record<string, string> => Object.fromEntries((specs.find((s) => s.topic === topic)?.configEntries ?? []).map((e) => [e.name, e.value]));
    expect(settings('a.approvals')).toMatchObject({ 'cleanup.policy': 'compact' });
    expect(settings('a.audit')).toEqual({ 'cleanup.policy': 'delete', 'retention.ms': '-1' });
    expect(specs.find((s) => s.topic === 'a.approvals')?.numPartitions).toBe(1);
  });
});
