import { describe, expect, it } from 'vitest';
import { parseConfig } from '../../../src/config/load.js';
import type { Decision } from '../../../src/decisions/decision.js';
import { replayEvents } from '../../../src/pipeline/replay.js';
import { simulate } from '../../../src/simulator/generate.js';
import { DAY, HOUR, START, codes, decideAll, event, makeDecider, routine } from '../baseline/helpers.js';
import { createDecider, techniqueFindings } from '../../../src/scoring/decider.js';
import { MemoryBaselineStore } from '../../../src/baseline/store-memory.js';
import { createInventoryResolver } from '../../helpers/decision-context.js';

const sim = simulate({ seed: 11, days: 7, fleet: 6 });

async function replay(batchSize: number, shadow = false): Promise<Decision[]> {
  const out: Decision[] = [];
  const config = parseConfig(shadow ? 'scoring: { mode: shadow }' : '{}', 't');
  await replayEvents(sim.events, makeDecider(config), (ds) => void out.push(...ds), { batchSize });
  return out;
}

describe('decider', () => {
  it('gives one decision per event, in order, independent of batch size', async () => {
    const a = await replay(37);
    const b = await replay(5000);
    expect(a.map((d) => d.eventId)).toEqual(sim.events.map((e) => e.id));
    expect(JSON.stringify(a)).toBe(JSON.stringify(b));
    expect(a.every((d) => d.decidedAt === d.eventTime)).toBe(true);
  });

  it('in shadow mode allows everything but keeps the verdicts as wouldBe', async () => {
    const enforce = await replay(1000);
    const shadow = await replay(1000, true);
    const flagged = enforce.filter((d) => d.verdict !== 'allow').length;
    expect(flagged).toBeGreaterThan(0);
    expect(shadow.every((d) => d.verdict === 'allow' && d.mode === 'shadow')).toBe(true);
    expect(shadow.filter((d) => d.wouldBe !== undefined).length).toBe(flagged);
  });

  it('applies benign operator feedback: the taught values stop scoring', async () => {
    const history = routine();
    const odd = (i: number) => event(START + 10 * DAY + (10 + i) * HOUR, { action: 'iam:PassRole', resource: 'arn:aws:iam:::role/app', source: { ...event(0).source, asn: 'AS64500', country: 'DE', ip: '198.51.100.7' } });
    const first = odd(0);
    const plain = makeDecider();
    await decideAll(plain, history);
    const [flagged] = await plain.decideBatch([first]);
    expect(flagged?.verdict).not.toBe('allow');
    const taught = makeDecider(undefined, [{ decisionId: flagged!.decisionId, eventId: first.id, identity: 'svc-deployer', label: 'benign', codes: codes(flagged), recordedAt: '2026-11-20T00:00:00Z' }]);
    await decideAll(taught, history);
    await taught.decideBatch([first]);
    const [after] = await taught.decideBatch([odd(1)]);
    const [withoutTeaching] = await plain.decideBatch([odd(1)]);
    expect(after?.verdict).toBe('allow');
    expect(after!.score).toBeLessThan(withoutTeaching!.score);
  });
});

describe('decider without its store (Redis down)', () => {
  const protectedIam = {
    version: 'p1',
    evaluate: (e: { action: string }) => ({ verdict: null, shadowVerdict: null, reasons: [], matched: [], policyId: e.action.startsWith('iam:') ? 'no-iam' : null, excepted: false, protected: e.action.startsWith('iam:') }),
  };
  const deciderFor = (yaml: string) => createDecider({ config: parseConfig(yaml, 't'), resolver: createInventoryResolver(null, parseConfig(yaml, 't')), policy: protectedIam, store: new MemoryBaselineStore(), clock: () => new Date('2026-11-25T12:00:00Z') });
  const events = [event(START, { action: 'iam:CreateAccessKey' }), event(START + HOUR, { action: 's3:GetObject' })];

  it('failMode open: decides on identity and policy, marks the decisions degraded and learns nothing', async () => {
    const store = new MemoryBaselineStore();
    const d = createDecider({ config: parseConfig('{}', 't'), resolver: createInventoryResolver(null, parseConfig('{}', 't')), policy: protectedIam, store });
    const out = await d.decideBatch(events, undefined, { storeUnavailable: true });
    expect(out.map((x) => [x.verdict, x.degraded])).toEqual([['allow', true], ['allow', true]]);
    expect(out.every((x) => x.reasons.some((r) => r.code === 'STORE_UNAVAILABLE'))).toBe(true);
    expect(await store.get(events[0]!.identity.id)).toBeNull();
  });

  it('keeps the keys of a decision in sorted order, degraded or not (the canonical JSON the signer needs)', async () => {
    const config = parseConfig('scoring: { mode: shadow }\npipeline: { failMode: closed }', 't');
    const d = createDecider({ config, resolver: createInventoryResolver(null, config), policy: protectedIam, store: new MemoryBaselineStore() });
    const degraded = await d.decideBatch(events, undefined, { storeUnavailable: true });
    const decided = await d.decideBatch(events);
    expect(degraded.map((x) => [x.degraded, x.wouldBe])).toEqual([[true, 'block'], [true, undefined]]);
    for (const x of [...degraded, ...decided]) expect(Object.keys(x)).toEqual(Object.keys(x).sort());
  });

  it('still applies technique knowledge, which needs no baseline', async () => {
    const { compileKnowledgePack } = await import('../../../src/knowledge/index.js');
    const knowledge = compileKnowledgePack([
      { file: 'k.yaml', text: 'version: 1\nsource: aws\nentries:\n  - { id: aws.ct.stop, actions: [cloudtrail:StopLogging], tactic: defense-evasion, technique: T1562.008, name: Stop logging, tier: critical }\n' },
    ]);
    const config = parseConfig('{}', 't');
    const d = createDecider({ config, resolver: createInventoryResolver(null, config), policy: protectedIam, store: new MemoryBaselineStore(), knowledge });
    const [stop, other] = await d.decideBatch([event(START, { action: 'cloudtrail:StopLogging' }), event(START + HOUR, { action: 's3:GetObject' })], undefined, { storeUnavailable: true });
    expect([stop?.verdict, stop?.degraded]).toEqual(['alert', true]);
    expect(stop?.reasons.find((r) => r.code === 'ATTACK_TECHNIQUE')).toMatchObject({ technique: 'T1562.008', tactic: 'defense-evasion', entry: 'aws.ct.stop', weight: 70 });
    expect(other?.verdict).toBe('allow');
  });

  it('failMode closed: blocks the actions an enforce-mode policy governs (would-be block in shadow mode)', async () => {
    const closed = await deciderFor('pipeline: { failMode: closed }').decideBatch(events, undefined, { storeUnavailable: true });
    expect(closed.map((x) => x.verdict)).toEqual(['block', 'allow']);
    expect(closed[0]!.decidedAt).toBe('2026-11-25T12:00:00.000Z');
    const shadow = await deciderFor('pipeline: { failMode: closed }\nscoring: { mode: shadow }').decideBatch(events, undefined, { storeUnavailable: true });
    expect(shadow.map((x) => [x.verdict, x.wouldBe])).toEqual([['allow', 'block'], ['allow', undefined]]);
  });
});

describe('decider: learning returned as data (decide) and stored by the caller', () => {
  const resolverFor = () => createInventoryResolver(null, parseConfig('{}', 't'));
  const noPolicy = { version: 'p0', evaluate: () => ({ verdict: null, shadowVerdict: null, reasons: [], matched: [], policyId: null, excepted: false, protected: false }) };
  const history = routine(3);
  const position = (n: number, from = 0) => ({ partition: 'audit:0', offsets: Array.from({ length: n }, (_, i) => String(from + i)) });

  it('never touches the store itself, returns the updates, and decides as decideBatch does', async () => {
    const store = new MemoryBaselineStore({ copies: true });
    const d = createDecider({ config: parseConfig('{}', 't'), resolver: resolverFor(), policy: noPolicy, store });
    const decided = await d.decide(history, position(history.length));
    expect(await store.get('svc-deployer')).toBeNull();
    expect(decided.updates.map((u) => [u.identity, u.offset])).toEqual([['svc-deployer', String(history.length - 1)]]);
    await store.apply(decided.updates, 'audit:0');
    const stored = await store.get('svc-deployer');
    expect(stored).not.toBeNull();

    const reference = createDecider({ config: parseConfig('{}', 't'), resolver: resolverFor(), policy: noPolicy, store: new MemoryBaselineStore() });
    expect(JSON.stringify(await reference.decideBatch(history, position(history.length)))).toBe(JSON.stringify(decided.decisions));
  });

  it('a batch whose decisions were lost before its updates were stored is decided again exactly as the first time', async () => {
    const store = new MemoryBaselineStore({ copies: true });
    const d = createDecider({ config: parseConfig('{}', 't'), resolver: resolverFor(), policy: noPolicy, store });
    await store.apply((await d.decide(history, position(history.length))).updates, 'audit:0');
    const odd = [event(START + 4 * DAY, { action: 'iam:CreateAccessKey', source: { ...event(0).source, ip: '203.0.113.9', asn: 'AS64501', country: 'NL' } })];
    const first = await d.decide(odd, position(1, history.length));
    // The publish failed: the updates were never stored, and the batch comes back from the last commit.
    const again = await d.decide(odd, position(1, history.length));
    expect(JSON.stringify(again.decisions)).toBe(JSON.stringify(first.decisions));
    expect(first.decisions[0]!.verdict).not.toBe('allow');
    // Learned once published; a redelivery after that keeps its id but meets the learned profile.
    await store.apply(again.updates, 'audit:0');
    const afterLearning = await d.decide(odd, position(1, history.length));
    expect(afterLearning.decisions[0]!.decisionId).toBe(first.decisions[0]!.decisionId);
  });
});

describe('technique knowledge in the decider', () => {
  const config = parseConfig('{}', 't');
  const noPolicy = { version: 'p', evaluate: () => ({ verdict: null, shadowVerdict: null, reasons: [], matched: [], policyId: null, excepted: false, protected: false }) };

  it('alerts on a technique from the first event, with no learning discount', async () => {
    const { compileKnowledgePack } = await import('../../../src/knowledge/index.js');
    const knowledge = compileKnowledgePack([{ file: 'k.yaml', text: 'version: 1\nsource: aws\nentries:\n  - { id: aws.ct.stop, actions: [cloudtrail:StopLogging], tactic: defense-evasion, technique: T1562.008, name: Stop logging, tier: critical }\n' }]);
    const d = createDecider({ config, resolver: createInventoryResolver(null, config), policy: noPolicy, store: new MemoryBaselineStore(), knowledge });
    const [first] = await d.decideBatch([event(START, { action: 'cloudtrail:StopLogging' })]);
    expect(first?.verdict).toBe('alert');
    expect(first?.reasons.find((r) => r.code === 'ATTACK_TECHNIQUE')?.weight).toBe(70);
  });

  it('discounts a plain technique the identity does routinely, never a critical one or the dangerous conditional variant', () => {
    const hit = (tier: 'critical' | 'high' | 'medium', conditional: boolean) => ({ entry: 'e', tactic: 't', technique: 'T1', name: 'n', tier, detail: 'd', conditional });
    expect(techniqueFindings([hit('critical', false)], true, config.knowledge)[0]?.weight).toBe(70);
    expect(techniqueFindings([hit('high', false)], true, config.knowledge)[0]?.weight).toBeCloseTo(55 * 0.4);
    expect(techniqueFindings([hit('high', true)], true, config.knowledge)[0]?.weight).toBe(55);
    expect(techniqueFindings([hit('medium', true)], true, config.knowledge)[0]?.weight).toBe(10);
    expect(techniqueFindings([hit('high', false)], false, config.knowledge)[0]?.weight).toBe(55);
    // Two hits of one event: the strongest in full, the other half.
    expect(techniqueFindings([hit('medium', false), hit('high', false)], false, config.knowledge).map((f) => f.weight)).toEqual([13, 55]);
  });
});
