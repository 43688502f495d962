import { describe, expect, it } from 'vitest';
import { parseConfig } from '../../../src/config/load.js';
import type { Decision } from '../../../src/decisions/decision.js';
import { replayEvents } from '../../../src/pipeline/replay.js';
import { simulate } from '../../../src/simulator/generate.js';
import { DAY, HOUR, START, codes, decideAll, event, makeDecider, routine } from '../baseline/helpers.js';

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
