import { describe, expect, it } from 'vitest';
import { Deduplicator, topReasonCode } from '../../../src/notify/dedup.js';
import { compileRoutes } from '../../../src/notify/routes.js';
import { configOf, decision } from './receiver.js';

describe('notification routes', () => {
  const config = configOf(
    {
      notify: {
        targets: {
          platform: { type: 'slack', url: 'https://hooks.slack.com/services/T/B/X' },
          soc: { type: 'webhook', url: 'https://soc.example/hook', secret: 'k' },
          ci: { type: 'webhook', url: 'https://ci.example/hook', secret: 'k' },
          orphans: { type: 'slack', url: 'https://hooks.slack.com/services/T/B/Y' },
        },
        routes: [
          { match: { owner: 'team-platform' }, targets: 'platform' },
          { match: { verdict: 'block' }, targets: ['soc'] },
          { match: { reason: ['ATTACK_TECHNIQUE', 'CONCURRENT_TOKEN_USE'] }, targets: ['soc'] },
          { match: { identity: 'ci/**', verdict: ['alert', 'block'] }, targets: ['ci'] },
          { match: { owner: 'unowned' }, targets: ['orphans'] },
          { match: { reason: 'SIGMA:*', owner: 'team-sec' }, targets: ['soc'] },
        ],
      },
    },
  );
  const route = compileRoutes(config.notify.routes);

  it('adds the targets of every route that matches, once each', () => {
    expect(route(decision()).sort()).toEqual(['platform', 'soc']);
    expect(route(decision({ verdict: 'alert' }))).toEqual(['platform']);
    expect(route(decision({ verdict: 'alert', owner: 'team-data' }))).toEqual([]);
    expect(route(decision({ verdict: 'alert', owner: 'team-data', reasons: [{ code: 'CONCURRENT_TOKEN_USE', detail: '', weight: 30 }] }))).toEqual(['soc']);
  });

  it('matches reason code prefixes', () => {
    expect(route(decision({ verdict: 'alert', owner: 'team-sec', reasons: [{ code: 'SIGMA:aws-iam-1', detail: '', weight: 40 }] }))).toEqual(['soc']);
    expect(route(decision({ verdict: 'alert', owner: 'team-sec', reasons: [{ code: 'NEW_ACTION', detail: '', weight: 40 }] }))).toEqual([]);
  });

  it('matches identity globs and decisions without an owner', () => {
    expect(route(decision({ identity: 'ci/deploy/prod', verdict: 'alert', owner: 'team-x' }))).toEqual(['ci']);
    expect(route(decision({ identity: 'cid', verdict: 'alert', owner: 'team-x' }))).toEqual([]);
    expect(route(decision({ verdict: 'alert', owner: null }))).toEqual(['orphans']);
  });

  it('refuses a route to an unknown target, naming it', () => {
    expect(() => configOf({ notify: { targets: {}, routes: [{ targets: ['nope'] }] } })).toThrow(/unknown target "nope"/);
    expect(() => configOf({ notify: { routes: [{ match: { verdict: 'allow' }, targets: [] }] } })).toThrow(/notify\.routes/);
  });
});

describe('Deduplicator', () => {
  const at = (minute: number) => new Date(Date.parse('2026-11-20T02:00:00Z') + minute * 60_000).toISOString();

  it('sends the first of an identity and top reason, suppresses repeats in the window, then reports how many', () => {
    const dedup = new Deduplicator(15 * 60_000);
    expect(dedup.check(decision({ verdict: 'alert', decidedAt: at(0) }))).toMatchObject({ send: true, suppressed: 0 });
    expect(dedup.check(decision({ verdict: 'alert', decidedAt: at(1) }))).toMatchObject({ send: false, suppressed: 1 });
    expect(dedup.check(decision({ verdict: 'alert', decidedAt: at(5) }))).toMatchObject({ send: false, suppressed: 2 });
    // Another identity or another top reason is another key.
    expect(dedup.check(decision({ verdict: 'alert', decidedAt: at(5), identity: 'svc-other' })).send).toBe(true);
    expect(dedup.check(decision({ verdict: 'alert', decidedAt: at(5), reasons: [{ code: 'RATE_SPIKE', detail: '', weight: 50 }] })).send).toBe(true);
    expect(dedup.check(decision({ verdict: 'alert', decidedAt: at(16) }))).toEqual({ send: true, suppressed: 2, suppressedSince: at(1), key: expect.any(String) as string });
    expect(dedup.check(decision({ verdict: 'alert', decidedAt: at(17) }))).toMatchObject({ send: false, suppressed: 1 });
  });

  it('never suppresses an escalation from alert to block', () => {
    const dedup = new Deduplicator(15 * 60_000);
    dedup.check(decision({ verdict: 'alert', decidedAt: at(0) }));
    expect(dedup.check(decision({ verdict: 'block', decidedAt: at(1) })).send).toBe(true);
    expect(dedup.check(decision({ verdict: 'alert', decidedAt: at(2) })).send).toBe(false);
  });

  it('sends everything with a window of 0, and forgets the oldest keys past its cap', () => {
    const off = new Deduplicator(0);
    expect(off.check(decision()).send && off.check(decision()).send).toBe(true);
    const small = new Deduplicator(60_000, 2);
    for (const id of ['a', 'b', 'c']) small.check(decision({ identity: id }));
    expect(small.size).toBe(2);
    expect(small.check(decision({ identity: 'a' })).send).toBe(true);
  });

  it('keys on the heaviest reason', () => {
    expect(topReasonCode(decision())).toBe('NEW_ACTION');
    expect(topReasonCode(decision({ reasons: [] }))).toBe('RISK_SCORE');
  });
});
