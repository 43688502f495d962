/** Matcher semantics: each operator, paths through arrays and JSON strings, groups, field comparison. */
import { describe, expect, it } from 'vitest';
import type { WardenEvent } from '../../../src/events/event.js';
import { compileKnowledgePack } from '../../../src/knowledge/index.js';

/** A pack of one entry on `svc:Do` with the given condition (YAML flow or block text). */
function packWith(when: string, extra = '') {
  const text = `version: 1
source: aws
sensitivity:
  - { actions: ['svc:Do', 'svc:Other'], tier: low, category: write }
  - { actions: ['svc:Glob*'], tier: medium, category: data-read }
entries:
  - id: aws.svc.do
    actions: ['svc:Do']
    tactic: persistence
    technique: T1098
    name: Do
    tier: high
    detail: 'did {attributes.request.name|resource} as {identity.name}'
${when ? `    when: ${when}\n` : ''}${extra}`;
  return compileKnowledgePack([{ file: 'm.yaml', text }]);
}

const ACCOUNT = '111122223333';
function event(request: unknown, extra: Partial<WardenEvent> = {}): WardenEvent {
  return {
    id: 'e1',
    time: '2026-11-20T10:00:00Z',
    identity: { id: `arn:aws:iam::${ACCOUNT}:user/deployer` },
    action: 'svc:Do',
    outcome: 'success',
    attributes: { account: ACCOUNT, request },
    ...extra,
  };
}
const fires = (when: string, request: unknown, extra: Partial<WardenEvent> = {}): boolean => packWith(when).match(event(request, extra)).length > 0;

describe('knowledge matcher', () => {
  it('matches by action only when there is no condition, and returns one shared empty array otherwise', () => {
    const pack = packWith('');
    const [hit] = pack.match(event({ name: 'x' }));
    expect(hit).toEqual({ entry: 'aws.svc.do', tactic: 'persistence', technique: 'T1098', name: 'Do', tier: 'high', detail: 'did x as deployer', conditional: false });
    const none1 = pack.match(event({}, { action: 'svc:Other' }));
    const none2 = pack.match(event({}, { action: 'nothing:Here' }));
    expect(none1).toHaveLength(0);
    expect(none1).toBe(none2);
    expect(Object.isFrozen(none1)).toBe(true);
  });

  it('equals and in compare scalars by their text, through arrays', () => {
    expect(fires('{ field: attributes.request.port, equals: 22 }', { port: '22' })).toBe(true);
    expect(fires('{ field: attributes.request.flag, equals: false }', { flag: false })).toBe(true);
    expect(fires('{ field: attributes.request.flag, equals: false }', {})).toBe(false);
    expect(fires('{ field: attributes.request.items.port, in: [22, 3389] }', { items: [{ port: 80 }, { port: 3389 }] })).toBe(true);
    expect(fires('{ field: attributes.request.items.port, in: [22, 3389] }', { items: [{ port: 80 }] })).toBe(false);
    expect(fires('{ field: outcome, equals: denied }', {}, { outcome: 'denied' })).toBe(true);
  });

  it('matches takes globs (anchored) and /regex/flags (searched)', () => {
    expect(fires("{ field: attributes.request.type, matches: 'p*.xlarge' }", { type: 'p2.xlarge' })).toBe(true);
    expect(fires("{ field: attributes.request.type, matches: 'p*.xlarge' }", { type: 'xp2.xlarge' })).toBe(false);
    expect(fires("{ field: attributes.request.sql, matches: '/to\\s+program/i' }", { sql: "COPY x TO  PROGRAM 'id'" })).toBe(true);
    expect(fires("{ field: attributes.request.name, matches: ['a*', 'b*'] }", { name: 'bob' })).toBe(true);
    expect(fires("{ field: attributes.request.name, matches: 'exact' }", { name: 'exactly' })).toBe(false);
  });

  it('contains finds a value anywhere in a subtree, parsing JSON strings', () => {
    const policy = JSON.stringify({ Statement: [{ Effect: 'Allow', Principal: { AWS: ['arn:aws:iam::1:root', '*'] } }] });
    expect(fires("{ field: attributes.request.policy, contains: '*' }", { policy })).toBe(true);
    expect(fires("{ field: attributes.request.policy, contains: '*' }", { policy: policy.replace('"*"', '"x"') })).toBe(false);
    expect(fires("{ field: attributes.request.policy.Statement.Principal.AWS, equals: '*' }", { policy })).toBe(true);
    expect(fires("{ field: attributes.request, contains: [allUsers, nobody] }", { a: { b: [{ c: 'allUsers' }] } })).toBe(true);
    expect(fires("{ field: attributes.request, contains: allUsers }", { a: 'allUsersX' })).toBe(false);
  });

  it('exists and the numeric comparisons', () => {
    expect(fires('{ field: attributes.request.userData, exists: true }', { userData: 'x' })).toBe(true);
    expect(fires('{ field: attributes.request.userData, exists: false }', { userData: 'x' })).toBe(false);
    expect(fires('{ field: attributes.request.userData, exists: false }', {})).toBe(true);
    expect(fires('{ field: attributes.request.days, lessThan: 8 }', { days: 1 })).toBe(true);
    expect(fires('{ field: attributes.request.days, lessThan: 8 }', { days: '30' })).toBe(false);
    expect(fires('{ field: attributes.request.count, greaterThan: 5 }', { count: '10' })).toBe(true);
    expect(fires('{ field: attributes.request.count, greaterThan: 5 }', { count: 'many' })).toBe(false);
  });

  it('all, any and not compose; a list is all of its conditions', () => {
    const all = "[{ field: attributes.request.a, equals: 1 }, { field: attributes.request.b, equals: 2 }]";
    expect(fires(all, { a: 1, b: 2 })).toBe(true);
    expect(fires(all, { a: 1, b: 3 })).toBe(false);
    const any = "{ any: [{ field: attributes.request.a, equals: 1 }, { field: attributes.request.b, equals: 2 }] }";
    expect(fires(any, { a: 0, b: 2 })).toBe(true);
    expect(fires(any, { a: 0, b: 0 })).toBe(false);
    expect(fires('{ not: { field: attributes.request.a, equals: 1 } }', { a: 2 })).toBe(true);
    expect(fires('{ not: { field: attributes.request.a, equals: 1 } }', { a: 1 })).toBe(false);
  });

  it('some judges the conditions on one element at a time', () => {
    const when = "{ some: attributes.request.Statement, where: [{ field: .Effect, equals: Allow }, { field: .Principal, contains: '*' }] }";
    const deny = { Effect: 'Deny', Principal: '*' };
    const own = { Effect: 'Allow', Principal: { AWS: `arn:aws:iam::${ACCOUNT}:role/app` } };
    expect(fires(when, { Statement: [deny, own] })).toBe(false);
    expect(fires(when, { Statement: [own, { Effect: 'Allow', Principal: { AWS: '*' } }] })).toBe(true);
    expect(fires(when, { Statement: JSON.stringify([{ Effect: 'Allow', Principal: '*' }]) })).toBe(true);
    expect(fires("{ some: attributes.request.tags, where: { field: ., equals: x } }", { tags: ['a', 'x'] })).toBe(true);
    const twoPaths = "{ some: [attributes.request.a.Statement, attributes.request.b.Statement], where: { field: .Effect, equals: Allow } }";
    expect(fires(twoPaths, { b: { Statement: [{ Effect: 'Allow' }] } })).toBe(true);
    expect(fires(twoPaths, { a: { Statement: [{ Effect: 'Deny' }] } })).toBe(false);
  });

  it('hasKey and the * path segment look at keys whatever the key above them is called', () => {
    const when = "{ field: 'attributes.request.Condition.*', hasKey: [aws:PrincipalOrgID, aws:SourceVpc] }";
    expect(fires(when, { Condition: { StringEquals: { 'aws:PrincipalOrgID': 'o-1' } } })).toBe(true);
    expect(fires(when, { Condition: { 'ForAnyValue:StringLike': { 'aws:SourceVpc': 'vpc-1' } } })).toBe(true);
    expect(fires(when, { Condition: { Bool: { 'aws:SecureTransport': 'false' } } })).toBe(false);
    expect(fires("{ field: 'attributes.request.*.port', equals: 22 }", { a: { port: 80 }, b: { port: 22 } })).toBe(true);
  });

  it('compares with another field of the event: sameAs, differsFrom (identity.name), foreignAccount', () => {
    expect(fires('{ field: attributes.request.userName, differsFrom: identity.name }', { userName: 'alice' })).toBe(true);
    expect(fires('{ field: attributes.request.userName, differsFrom: identity.name }', { userName: 'deployer' })).toBe(false);
    expect(fires('{ field: attributes.request.userName, differsFrom: identity.name }', {})).toBe(false);
    expect(fires('{ field: attributes.request.userName, sameAs: identity.name }', { userName: 'deployer' })).toBe(true);
    expect(fires('{ field: attributes.request.account, sameAs: identity.account }', { account: ACCOUNT })).toBe(true);
    const foreign = '{ field: attributes.request.principal, foreignAccount: attributes.account }';
    expect(fires(foreign, { principal: { AWS: 'arn:aws:iam::999988887777:root' } })).toBe(true);
    expect(fires(foreign, { principal: ['999988887777'] })).toBe(true);
    expect(fires(foreign, { principal: { AWS: `arn:aws:iam::${ACCOUNT}:root` } })).toBe(false);
    expect(fires(foreign, { principal: { Service: 'lambda.amazonaws.com' } })).toBe(false);
  });

  it('sensitivity: the highest matching entry, else the matching class (globs included), else null', () => {
    const pack = packWith('{ field: attributes.request.a, equals: 1 }');
    expect(pack.sensitivity(event({ a: 1 }))).toEqual({ tier: 'high', category: 'iam-write' });
    expect(pack.sensitivity(event({ a: 2 }))).toEqual({ tier: 'low', category: 'write' });
    expect(pack.sensitivity(event({}, { action: 'svc:GlobThing' }))).toEqual({ tier: 'medium', category: 'data-read' });
    expect(pack.sensitivity(event({}, { action: 'svc:Unknown' }))).toBeNull();
  });

  it('orders hits most severe first', () => {
    const extra = `  - id: aws.svc.do-critical
    actions: ['svc:D*']
    tactic: impact
    technique: T1485
    name: Critical do
    tier: critical
`;
    const pack = packWith('', extra);
    expect(pack.match(event({})).map((h) => h.tier)).toEqual(['critical', 'high']);
  });
});
