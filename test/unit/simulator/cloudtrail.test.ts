import { describe, expect, it } from 'vitest';
import { createNormalizer } from '../../../src/events/index.js';
import type { WardenEvent } from '../../../src/events/index.js';
import { runScenario } from '../../../src/simulator/scenarios.js';

describe('varied scenario in CloudTrail format', () => {
  const sim = runScenario('varied', { seed: 4, days: 7, fleet: 14 });
  const records = sim.cloudtrail!();
  const normalize = createNormalizer();

  it('normalizes back to the same event ids, identities, actions, resources and outcomes, joined with the labels', () => {
    expect(records).toHaveLength(sim.events.length);
    let cloudtrail = 0;
    const mismatches: string[] = [];
    const check = (i: number, field: string, got: unknown, want: unknown): void => {
      if (got !== want && mismatches.length < 10) mismatches.push(`event ${i} ${field}: ${String(got)} != ${String(want)}`);
    };
    records.forEach((record, i) => {
      const r = normalize(JSON.stringify(record), { line: i + 1 });
      check(i, 'rejects', r.rejects.length, 0);
      check(i, 'events', r.events.length, 1);
      const got = r.events[0];
      const want: WardenEvent = sim.events[i]!;
      if (!got) return;
      if (got.sourceFormat === 'cloudtrail') cloudtrail++;
      check(i, 'id', got.id, sim.labels[i]!.eventId);
      check(i, 'identity', got.identity.id, want.identity.id);
      check(i, 'label identity', got.identity.id, sim.labels[i]!.identity);
      check(i, 'token', got.identity.tokenId, want.identity.tokenId);
      check(i, 'action', got.action, want.action);
      check(i, 'outcome', got.outcome, want.outcome);
      if (want.resource?.startsWith('arn:')) check(i, 'resource', got.resource, want.resource);
      check(i, 'ip', got.source?.ip, want.source?.ip);
      check(i, 'userAgent', got.source?.userAgent, want.source?.userAgent);
      check(i, 'time', Math.abs(Date.parse(got.time) - Date.parse(want.time)) < 1000, true);
    });
    expect(mismatches).toEqual([]);
    expect(cloudtrail).toBeGreaterThan(records.length / 3);
  });

  it('writes real-looking records: userIdentity with session context, eventSource, requestParameters, errorCode on failures', () => {
    const cts = records.filter((r): r is Record<string, unknown> => typeof r === 'object' && r !== null && 'eventVersion' in r);
    const role = cts.find((r) => (r.userIdentity as { type: string }).type === 'AssumedRole')!;
    expect(role.userIdentity).toMatchObject({ arn: expect.stringMatching(/^arn:aws:sts::\d{12}:assumed-role\//), accessKeyId: expect.stringMatching(/^ASIA/), sessionContext: { sessionIssuer: { type: 'Role' } } });
    for (const key of ['eventVersion', 'eventSource', 'eventName', 'awsRegion', 'sourceIPAddress', 'userAgent', 'requestParameters', 'responseElements', 'eventID', 'eventTime', 'recipientAccountId']) expect(role).toHaveProperty(key);
    expect(role.eventSource).toMatch(/\.amazonaws\.com$/);
    expect(cts.some((r) => typeof r.errorCode === 'string')).toBe(true);
    const attach = cts.find((r) => r.eventName === 'AttachRolePolicy' && (r.requestParameters as { policyArn?: string }).policyArn?.endsWith('AdministratorAccess'));
    expect(attach?.requestParameters).toMatchObject({ roleName: expect.any(String) });
  });
});
