import { describe, expect, it } from 'vitest';
import { codes, engineFrom, evaluate, who } from './helpers.js';

const base = `
policy: deployer
scope: { identities: ["svc-*"] }
rules:
  - { id: allowed, kind: allow, actions: ["s3:Get*", "s3:PutObject", "iam:GetRole"], resources: ["arn:aws:s3:::prod/*", "arn:aws:iam::*:role/*"] }
  - { id: no-iam, kind: deny, actions: ["iam:*"] }
`;

describe('policy engine: rule kinds', () => {
  it('allows what the allow-list grants and flags everything else (least privilege)', () => {
    const engine = engineFrom([base]);
    expect(evaluate(engine, { action: 's3:GetObject', resource: 'arn:aws:s3:::prod/a/b.tgz' }).verdict).toBeNull();
    const outside = evaluate(engine, { action: 'ec2:RunInstances' });
    expect(outside.verdict).toBe('block');
    expect(codes(outside)).toEqual(['POLICY_NOT_ALLOWED']);
    expect(outside.matched[0]).toMatchObject({ policyId: 'deployer', ruleId: 'allowed', effect: 'not-allowed' });
    // Right action on a resource outside the list, or no resource at all, is still a violation.
    expect(evaluate(engine, { action: 's3:GetObject', resource: 'arn:aws:s3:::staging/x' }).verdict).toBe('block');
    expect(evaluate(engine, { action: 's3:GetObject' }).verdict).toBe('block');
  });

  it('deny beats allow: an allowed action that a deny rule names is denied', () => {
    const r = evaluate(engineFrom([base]), { action: 'iam:GetRole', resource: 'arn:aws:iam::1:role/x' });
    expect(r.verdict).toBe('block');
    expect(codes(r)).toEqual(['POLICY_DENY']);
    expect(r.protected).toBe(true);
  });

  it('only governs identities in scope (by id glob, class, environment, owner)', () => {
    const engine = engineFrom([`
policy: scoped
scope: { classes: [etl], environments: [prod], owners: [team-data] }
rules: [ { id: d, kind: deny, actions: ["s3:DeleteObject"] } ]
`]);
    const etl = who('job', { class: 'etl', environment: 'prod', owner: 'team-data' });
    expect(evaluate(engine, { action: 's3:DeleteObject' }, etl).verdict).toBe('block');
    expect(evaluate(engine, { action: 's3:DeleteObject' }, { ...etl, class: 'ci' }).verdict).toBeNull();
    expect(evaluate(engine, { action: 's3:DeleteObject', environment: 'dev' }, etl).verdict).toBeNull();
    expect(evaluate(engine, { action: 's3:DeleteObject' }, { ...etl, owner: null }).verdict).toBeNull();
    expect(evaluate(engineFrom([base]), { action: 'iam:CreateUser' }, who('bot-x')).verdict).toBeNull();
  });

  it('source rules check CIDRs, ASNs, countries, regions and workloads', () => {
    const engine = engineFrom([`
policy: src
rules:
  - { id: net, kind: source, cidrs: ["10.0.0.0/8", "2001:db8::/32"], asns: [AS16509], countries: [IE], regions: ["eu-*"], workloads: ["ci-*"] }
`]);
    const ok = { ip: '10.1.2.3', asn: '16509', country: 'ie', region: 'eu-west-1', workload: 'ci-runner' };
    expect(evaluate(engine, { action: 'x:y', source: ok }).verdict).toBeNull();
    expect(evaluate(engine, { action: 'x:y', source: { ...ok, ip: '2001:db8::1' } }).verdict).toBeNull();
    for (const bad of [{ ip: '192.168.1.1' }, { ip: '2001:db9::1' }, { asn: 'AS14061' }, { country: 'RU' }, { region: 'us-east-1' }, { workload: 'laptop' }, { ip: 'not-an-ip' }]) {
      const r = evaluate(engine, { action: 'x:y', source: { ...ok, ...bad } });
      expect(r.verdict, JSON.stringify(bad)).toBe('block');
      expect(codes(r)).toEqual(['POLICY_SOURCE']);
    }
    // A constrained field the event lacks is a violation unless onMissing: ignore.
    expect(evaluate(engine, { action: 'x:y', source: { ...ok, ip: undefined } }).reasons[0]?.detail).toContain('no source IP');
  });

  it('time-window and rate-limit rules only look at the actions they name', () => {
    const engine = engineFrom([`
policy: t
rules:
  - { id: hours, kind: time-window, actions: ["db:*"], timezone: UTC, windows: ["Mon-Fri 09:00-17:00"], verdict: alert }
`]);
    expect(evaluate(engine, { action: 'db:Query', time: '2026-11-25T20:00:00Z' }).verdict).toBe('alert');
    expect(evaluate(engine, { action: 's3:Get', time: '2026-11-25T20:00:00Z' }).verdict).toBeNull();
    expect(evaluate(engine, { action: 'db:Query', time: '2026-11-25T12:00:00Z' }).verdict).toBeNull();
  });

  it('rate limits count per identity by event time, not wall clock', () => {
    const engine = engineFrom([`
policy: r
rules: [ { id: rl, kind: rate-limit, max: 3, per: 1m, verdict: alert } ]
`]);
    const at = (s: number, id = 'svc-a') => evaluate(engine, { action: 'x:y', time: new Date(Date.UTC(2026, 10, 25, 10, 0, s)).toISOString() }, who(id)).verdict;
    expect([at(0), at(10), at(20)]).toEqual([null, null, null]);
    expect(at(30)).toBe('alert'); // 4th call within 60 s
    expect(at(31, 'svc-b')).toBeNull(); // another identity has its own window
    expect(at(65)).toBe('alert'); // 10, 20, 30 and 65 s: still four calls within one minute
    expect(at(81)).toBeNull(); // 30, 65, 81: back under the limit once older calls leave the window
  });

  it('thresholds rules hand per-identity anomaly thresholds to scoring (strictest wins)', () => {
    const engine = engineFrom([`
policy: th
rules:
  - { id: a, kind: thresholds, alertAt: 40, blockAt: 70 }
  - { id: b, kind: thresholds, blockAt: 60 }
  - { id: c, kind: thresholds, blockAt: 10, mode: shadow }
`]);
    expect(evaluate(engine, { action: 'x:y' }).thresholds).toEqual({ alertAt: 40, blockAt: 60 });
  });
});

describe('policy engine: modes and precedence', () => {
  const withModes = `
policy: m
rules:
  - { id: enforced, kind: deny, actions: ["a:*"], verdict: alert }
  - { id: trial, kind: deny, actions: ["a:*", "b:*"], mode: shadow }
  - { id: disabled, kind: deny, actions: ["c:*"], mode: "off" }
`;
  it('shadow rules report what they would do without changing the verdict; off rules do nothing', () => {
    const engine = engineFrom([withModes]);
    const a = evaluate(engine, { action: 'a:x' });
    expect(a).toMatchObject({ verdict: 'alert', shadowVerdict: 'block' });
    expect(a.reasons.find((r) => r.detail.includes('trial'))?.detail).toMatch(/^\[shadow: would block\]/);
    expect(evaluate(engine, { action: 'b:x' })).toMatchObject({ verdict: null, shadowVerdict: 'block', protected: false });
    expect(evaluate(engine, { action: 'c:x' })).toMatchObject({ verdict: null, shadowVerdict: null, matched: [] });
  });

  it('global shadow turns every rule to shadow; global off turns the engine off', () => {
    expect(evaluate(engineFrom([withModes], { mode: 'shadow' }), { action: 'a:x' })).toMatchObject({ verdict: null, shadowVerdict: 'block' });
    expect(evaluate(engineFrom([withModes], { mode: 'off' }), { action: 'a:x' })).toMatchObject({ verdict: null, shadowVerdict: null });
  });

  it('a policy-level mode is the default of its rules', () => {
    const engine = engineFrom([`policy: p\nmode: shadow\nrules: [ { id: d, kind: deny, actions: ["a:*"] } ]\n`]);
    expect(evaluate(engine, { action: 'a:x' })).toMatchObject({ verdict: null, shadowVerdict: 'block' });
  });

  const excepted = (expires: string, rules = '') => `
policy: ex
rules:
  - { id: allowed, kind: allow, actions: ["s3:GetObject"] }
  - { id: no-iam, kind: deny, actions: ["iam:*"] }
  - { id: hours, kind: time-window, timezone: UTC, windows: ["Mon-Fri 09:00-17:00"] }
exceptions:
  - { id: migration, ${rules} actions: ["iam:*", "s3:PutObject"], expires: "${expires}", reason: "one-off migration INC-1" }
`;
  it('an unexpired exception suspends an allow-list violation and says so', () => {
    const r = evaluate(engineFrom([excepted('2026-11-30')]), { action: 's3:PutObject' });
    expect(r).toMatchObject({ verdict: null, excepted: true });
    expect(codes(r)).toEqual(['POLICY_EXCEPTION']);
    expect(r.reasons[0]?.detail).toContain('one-off migration');
  });

  it('an expired exception is ignored (expiry judged at event time; a date is valid through that day)', () => {
    expect(evaluate(engineFrom([excepted('2026-11-24')]), { action: 's3:PutObject' }).verdict).toBe('block');
    expect(evaluate(engineFrom([excepted('2026-11-25')]), { action: 's3:PutObject', time: '2026-11-25T23:59:00Z' }).verdict).toBeNull();
    expect(evaluate(engineFrom([excepted('2026-11-25T09:00:00Z')]), { action: 's3:PutObject' }).verdict).toBe('block');
  });

  it('an exception does not suspend a deny rule unless it names it', () => {
    const implicit = evaluate(engineFrom([excepted('2026-11-30')]), { action: 'iam:CreateUser' });
    expect(implicit.verdict).toBe('block');
    expect(codes(implicit)).toEqual(['POLICY_DENY', 'POLICY_EXCEPTION']); // allow-list gap excepted, deny stands
    const explicit = evaluate(engineFrom([excepted('2026-11-30', 'rules: [no-iam, allowed],')]), { action: 'iam:CreateUser' });
    expect(explicit).toMatchObject({ verdict: null, excepted: true });
  });

  it('an exception naming rules leaves the other rules in force', () => {
    const r = evaluate(engineFrom([excepted('2026-11-30', 'rules: [allowed],')]), { action: 's3:PutObject', time: '2026-11-28T12:00:00Z' });
    expect(r.verdict).toBe('block');
    expect(codes(r)).toEqual(['POLICY_EXCEPTION', 'POLICY_TIME_WINDOW']);
  });

  it('several policies in scope all apply and the strongest verdict wins', () => {
    const engine = engineFrom([
      `policy: one\nrules: [ { id: a, kind: allow, actions: ["s3:*"] } ]\n`,
      `policy: two\nrules: [ { id: b, kind: allow, actions: ["s3:Get*"], verdict: alert } ]\n`,
    ]);
    expect(evaluate(engine, { action: 's3:GetObject' }).verdict).toBeNull();
    expect(evaluate(engine, { action: 's3:PutObject' })).toMatchObject({ verdict: 'alert', policyId: 'two' });
    expect(evaluate(engine, { action: 'ec2:Run' })).toMatchObject({ verdict: 'block', policyId: 'one' });
  });

  it('the version is a content hash: same files, same version; any change, new version', () => {
    expect(engineFrom([base]).version).toBe(engineFrom([base]).version);
    expect(engineFrom([base]).version).not.toBe(engineFrom([`${base}\n# reviewed`]).version);
  });
});

describe('source CIDRs', () => {
  const engine = engineFrom([`
policy: net
rules: [ { id: n, kind: source, cidrs: ["10.0.0.0/8", "192.168.4.0/22", "172.16.5.9/32", "0.0.0.0/0"], mode: shadow }, { id: v6, kind: source, cidrs: ["2001:db8::/32", "10.0.0.0/8"] } ]
`]);
  it.each([
    ['10.255.255.255', null],
    ['11.0.0.1', 'block'],
    ['2001:db8:ffff::1', null],
    ['2001:db9::1', 'block'],
    ['::ffff:10.1.2.3', null], // IPv4-mapped IPv6 matches the IPv4 range
    ['::ffff:11.1.2.3', 'block'],
    ['010.1.2.3', 'block'], // leading zeros are ambiguous (octal): not accepted as 10.1.2.3
    ['10.1.2', 'block'],
    ['10.1.2.300', 'block'],
  ])('%s -> %s', (ip, verdict) => {
    expect(evaluate(engine, { action: 'x:y', source: { ip } }).verdict).toBe(verdict);
  });

  it('prefix lengths below /8 and exact /32 hosts', () => {
    const e = engineFrom([`policy: q\nrules: [ { id: n, kind: source, cidrs: ["192.168.4.0/22", "172.16.5.9/32"] } ]\n`]);
    expect(evaluate(e, { action: 'x', source: { ip: '192.168.7.255' } }).verdict).toBeNull();
    expect(evaluate(e, { action: 'x', source: { ip: '192.168.8.0' } }).verdict).toBe('block');
    expect(evaluate(e, { action: 'x', source: { ip: '172.16.5.9' } }).verdict).toBeNull();
    expect(evaluate(e, { action: 'x', source: { ip: '172.16.5.10' } }).verdict).toBe('block');
  });
});

describe('policy engine: operations', () => {
  it('says which exception expired when a violation it used to cover comes back', () => {
    const engine = engineFrom([`
policy: ex
rules: [ { id: allowed, kind: allow, actions: ["s3:GetObject"] } ]
exceptions: [ { id: migration, actions: ["s3:PutObject"], expires: 2026-11-01, reason: "one-off migration INC-1" } ]
`]);
    expect(evaluate(engine, { action: 's3:PutObject' }).reasons[0]?.detail).toContain('(exception migration expired 2026-11-01)');
  });

  it('carries rate-limit windows of unchanged rules across a reload', () => {
    const text = 'policy: r\nrules: [ { id: rl, kind: rate-limit, max: 2, per: 1h, verdict: alert } ]\n';
    const first = engineFrom([text]);
    evaluate(first, { action: 'x', time: '2026-11-25T10:00:00Z' });
    evaluate(first, { action: 'x', time: '2026-11-25T10:01:00Z' });
    const reloaded = engineFrom([`${text}# edited\n`], { previous: first });
    expect(evaluate(reloaded, { action: 'x', time: '2026-11-25T10:02:00Z' }).verdict).toBe('alert');
    const changed = engineFrom([text.replace('max: 2', 'max: 3')], { previous: first });
    expect(evaluate(changed, { action: 'x', time: '2026-11-25T10:02:00Z' }).verdict).toBeNull();
  });
});

describe('exceptions scoped to identities', () => {
  it('cover only the identities they name', () => {
    const engine = engineFrom([`
policy: p
rules: [ { id: a, kind: allow, actions: ["s3:GetObject"] } ]
exceptions: [ { id: e, identities: ["svc-migrator-*"], expires: 2027-01-01, reason: "data migration CHG-1" } ]
`]);
    expect(evaluate(engine, { action: 's3:PutObject' }, who('svc-migrator-1')).verdict).toBeNull();
    expect(evaluate(engine, { action: 's3:PutObject' }, who('svc-other')).verdict).toBe('block');
  });
});

describe('rules with their own scope', () => {
  it('apply only to the identities, environments or classes they name within the policy', () => {
    const engine = engineFrom([`
policy: team
rules:
  - { id: reads, kind: allow, actions: ["s3:Get*"] }
  - { id: prod-writes, kind: allow, actions: ["s3:PutObject"], scope: { environments: [prod] } }
  - { id: bots-no-delete, kind: deny, actions: ["s3:Delete*"], scope: { identities: ["bot-*"] } }
`]);
    expect(evaluate(engine, { action: 's3:PutObject', environment: 'prod' }).verdict).toBeNull();
    expect(evaluate(engine, { action: 's3:PutObject', environment: 'dev' }).verdict).toBe('block');
    expect(codes(evaluate(engine, { action: 's3:DeleteObject' }, who('bot-1')))).toEqual(['POLICY_DENY', 'POLICY_NOT_ALLOWED']);
    expect(codes(evaluate(engine, { action: 's3:DeleteObject' }, who('svc-1')))).toEqual(['POLICY_NOT_ALLOWED']);
  });
});

describe('robustness', () => {
  it('an unreadable event time fails closed on time windows and never matches an exception', () => {
    const engine = engineFrom([`
policy: t
rules: [ { id: hours, kind: time-window, windows: ["* 00:00-24:00"] }, { id: rl, kind: rate-limit, max: 1, per: 1m } ]
exceptions: [ { id: e, expires: 2099-01-01, reason: "covers everything for now" } ]
`]);
    const r = evaluate(engine, { action: 'x', time: 'not a time' });
    expect(r.verdict).toBe('block');
    expect(r.reasons[0]?.detail).toContain('unreadable event time');
  });
});
