/** Sigma's matching rules, one at a time, on hand-made records (the fixture rules cover real ones). */
import { describe, expect, it } from 'vitest';
import { compileSigmaRules } from '../../../src/sigma/index.js';

/** A CloudTrail rule with this detection, as a predicate on a record. */
function detect(detection: string): (record: Record<string, unknown>) => boolean {
  const set = compileSigmaRules([{ file: 't.yml', text: `title: t\nid: t-1\nlevel: low\nlogsource: { product: aws, service: cloudtrail }\ndetection:\n${detection}` }]);
  expect(set.skipped).toEqual([]);
  return set.rules[0]!.matches;
}

describe('plain values', () => {
  it('equal case-insensitively, with * and ? wildcards and \\ escapes', () => {
    const m = detect("  sel: { eventName: 'get*object?' }\n  condition: sel\n");
    expect([m({ eventName: 'GetObjectV' }), m({ eventName: 'getXYZobject2' }), m({ eventName: 'GetObject' }), m({ eventName: 'xGetObjectV' })]).toEqual([true, true, false, false]);
    const star = detect("  sel: { eventName: 'a\\*b' }\n  condition: sel\n");
    expect([star({ eventName: 'a*b' }), star({ eventName: 'axb' })]).toEqual([true, false]);
    // A backslash before anything else is itself; \\ before a wildcard is one backslash and the wildcard.
    const path = detect("  sel: { a: 'C:\\Windows\\\\*' }\n  condition: sel\n");
    expect([path({ a: 'C:\\Windows\\system32' }), path({ a: 'C:\\Windowssystem32' })]).toEqual([true, false]);
    const cased = detect("  sel: { eventName|cased: GetObject }\n  condition: sel\n");
    expect([cased({ eventName: 'GetObject' }), cased({ eventName: 'getobject' })]).toEqual([true, false]);
  });

  it('numbers and booleans equal their text; objects match nothing', () => {
    const m = detect('  sel: { port: 443, readOnly: false }\n  condition: sel\n');
    expect([m({ port: 443, readOnly: false }), m({ port: '443', readOnly: 'false' }), m({ port: 80, readOnly: false }), m({ port: { v: 443 }, readOnly: false })]).toEqual([true, true, false, false]);
  });

  it('null: the field is absent or null; exists: present or not', () => {
    const none = detect('  sel: { errorCode: null }\n  condition: sel\n');
    expect([none({}), none({ errorCode: null }), none({ errorCode: '' }), none({ errorCode: 'AccessDenied' })]).toEqual([true, true, false, false]);
    const absent = detect('  sel: { errorCode|exists: false }\n  condition: sel\n');
    expect([absent({}), absent({ errorCode: 'X' })]).toEqual([true, false]);
  });

  it('a list is any value; |all is every value', () => {
    const any = detect('  sel: { eventName: [StopLogging, DeleteTrail] }\n  condition: sel\n');
    expect([any({ eventName: 'deletetrail' }), any({ eventName: 'CreateTrail' })]).toEqual([true, false]);
    const all = detect('  sel: { userAgent|contains|all: [boto3, linux] }\n  condition: sel\n');
    expect([all({ userAgent: 'Boto3/1 Linux/6' }), all({ userAgent: 'Boto3/1 Darwin' })]).toEqual([true, false]);
  });
});

describe('field paths', () => {
  it('walk nested objects and arrays, and read dotted keys as written', () => {
    const nested = detect('  sel: { resources.ARN|endswith: ":user/admin" }\n  condition: sel\n');
    expect(nested({ resources: [{ ARN: 'arn:aws:s3:::b' }, { ARN: 'arn:aws:iam::1:user/admin' }] })).toBe(true);
    expect(nested({ resources: [{ ARN: 'arn:aws:s3:::b' }] })).toBe(false);
    const dotted = detect('  sel: { labels.k8s-app: web }\n  condition: sel\n');
    expect([dotted({ 'labels.k8s-app': 'web' }), dotted({ labels: { 'k8s-app': 'web' } }), dotted({ labels: 'web' })]).toEqual([true, true, false]);
    const array = detect('  sel: { sourceIPs: 10.0.0.1 }\n  condition: sel\n');
    expect([array({ sourceIPs: ['192.0.2.1', '10.0.0.1'] }), array({ sourceIPs: [] })]).toEqual([true, false]);
  });

  it('fieldref compares with another field of the same record', () => {
    const m = detect('  sel: { userIdentity.userName|fieldref: requestParameters.userName }\n  condition: sel\n');
    expect([m({ userIdentity: { userName: 'a' }, requestParameters: { userName: 'a' } }), m({ userIdentity: { userName: 'a' }, requestParameters: { userName: 'b' } }), m({ userIdentity: {} })]).toEqual([true, false, false]);
  });
});

describe('modifiers', () => {
  it('contains, startswith and endswith keep inner wildcards', () => {
    const m = detect("  sel: { userAgent|contains: 'aws-cli/2.*python' }\n  condition: sel\n");
    expect([m({ userAgent: 'x aws-cli/2.15 Python/3' }), m({ userAgent: 'aws-cli/1.0 python' })]).toEqual([true, false]);
    const s = detect("  sel: { eventName|startswith: 'Put' }\n  condition: sel\n");
    const e = detect("  sel: { eventName|endswith: 'Policy' }\n  condition: sel\n");
    expect([s({ eventName: 'putBucketPolicy' }), s({ eventName: 'OutPut' }), e({ eventName: 'PutBucketPOLICY' }), e({ eventName: 'PolicyX' })]).toEqual([true, false, true, false]);
  });

  it('re is case-sensitive unless |i or a leading (?i) says otherwise', () => {
    const plain = detect("  sel: { eventName|re: '^Delete' }\n  condition: sel\n");
    const flag = detect("  sel: { eventName|re|i: '^delete' }\n  condition: sel\n");
    const inline = detect("  sel: { eventName|re: '(?i)^delete' }\n  condition: sel\n");
    expect([plain({ eventName: 'DeleteTrail' }), plain({ eventName: 'deleteTrail' }), flag({ eventName: 'DeleteTrail' }), inline({ eventName: 'DELETEtrail' })]).toEqual([true, false, true, true]);
  });

  it('cidr matches IPv4, IPv6 and IPv4-mapped addresses, not host names', () => {
    const m = detect('  sel: { sourceIPAddress|cidr: [10.0.0.0/8, "2001:db8::/32"] }\n  condition: sel\n');
    expect([m({ sourceIPAddress: '10.1.2.3' }), m({ sourceIPAddress: '2001:db8::1' }), m({ sourceIPAddress: '::ffff:10.0.0.1' }), m({ sourceIPAddress: '11.0.0.1' }), m({ sourceIPAddress: 'cloudformation.amazonaws.com' })]).toEqual([true, true, true, false, false]);
  });

  it('gt, gte, lt and lte compare numbers, numeric text included', () => {
    const m = detect('  sel: { bytes|gt: 100 }\n  low: { bytes|lte: 5 }\n  condition: sel or low\n');
    expect([m({ bytes: 101 }), m({ bytes: '200' }), m({ bytes: 100 }), m({ bytes: 5 }), m({ bytes: 'many' })]).toEqual([true, true, false, true, false]);
  });

  it('base64 and base64offset find an encoded value', () => {
    const exact = detect("  sel: { token|base64: 'hashed-token-example' }\n  condition: sel\n");
    expect([exact({ token: 'aGFzaGVkLXRva2VuLWV4YW1wbGU=' }), exact({ token: 'aGFzaGVk' })]).toEqual([true, false]);
    // The three offsets of "token" as the specification derives them: dG9rZW, Rva2Vu, 0b2tlb.
    const offset = detect("  sel: { blob|base64offset|contains: 'token' }\n  condition: sel\n");
    expect(['xdG9rZWx', 'xRva2Vux', 'x0b2tlbx', 'dG9r'].map((blob) => offset({ blob }))).toEqual([true, true, true, false]);
  });
});

describe('keywords', () => {
  it('search every value of the record, nested ones included', () => {
    const m = detect("  keywords: ['*denied*', 'mimikatz']\n  condition: keywords\n");
    expect([m({ a: { b: ['x', 'Access DENIED here'] } }), m({ a: 'MimiKatz.exe' }), m({ a: 1 })]).toEqual([true, true, false]);
    const all = detect("  keywords:\n    '|all': [alpha, beta]\n  condition: keywords\n");
    expect([all({ a: 'alpha', b: { c: 'beta' } }), all({ a: 'alpha' })]).toEqual([true, false]);
  });
});

describe('conditions', () => {
  const sels = "  sel_a: { a: 1 }\n  sel_b: { b: 1 }\n  sel_c: { c: 1 }\n  _hidden: { h: 1 }\n";
  const rec = (...keys: string[]) => Object.fromEntries(keys.map((k) => [k, 1]));
  it.each([
    ['sel_a or sel_b and sel_c', [[rec('a'), true], [rec('b'), false], [rec('b', 'c'), true]]],
    ['not sel_a and sel_b', [[rec('b'), true], [rec('a', 'b'), false]]],
    ['not (sel_a and sel_b)', [[rec('a', 'b'), false], [rec('a'), true]]],
    ['1 of sel_*', [[rec('c'), true], [rec('h'), false]]],
    ['any of sel_*', [[rec('b'), true], [rec(), false]]],
    ['all of sel_*', [[rec('a', 'b', 'c'), true], [rec('a', 'b'), false]]],
    ['2 of sel_*', [[rec('a', 'c'), true], [rec('a'), false]]],
    ['1 of them', [[rec('h'), false], [rec('a'), true]]],
    ['all of them', [[rec('a', 'b', 'c'), true], [rec('a', 'b', 'h'), false]]],
    ['sel_a AND NOT 1 of _hid*', [[rec('a'), true], [rec('a', 'h'), false]]],
  ] as const)('%s', (condition, cases) => {
    const m = detect(`${sels}  condition: ${condition}\n`);
    for (const [record, want] of cases) expect(m(record), JSON.stringify(record)).toBe(want);
  });
});
