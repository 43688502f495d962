import { describe, expect, it } from 'vitest';
import type { Decision, Verdict } from '../../../src/decisions/decision.js';
import type { WardenEvent } from '../../../src/events/event.js';
import { compareWithReferences, joinByEventId } from '../../../src/eval/run.js';
import type { EventLabel } from '../../../src/simulator/generate.js';

function decision(eventId: string, verdict: Verdict, score: number): Decision {
  return {
    decisionId: `d-${eventId}`,
    eventId,
    identity: 'svc',
    owner: null,
    action: 's3:GetObject',
    resource: null,
    eventTime: '2026-01-01T00:00:00.000Z',
    decidedAt: '2026-01-01T00:00:00.000Z',
    verdict,
    score,
    mode: 'enforce',
    reasons: [],
    policy: { id: null, version: 'v' },
    model: null,
  };
}

const event = (id: string, hour: number, action: string): WardenEvent => ({ id, time: new Date(Date.UTC(2026, 0, 1, hour)).toISOString(), identity: { id: 'svc' }, action }) as WardenEvent;

describe('joining labels and decisions by event id', () => {
  const labels: EventLabel[] = [
    { eventId: 'e1', identity: 'svc', label: 'benign' },
    { eventId: 'e2', identity: 'svc', label: 'benign', drift: 'new-api-call' },
    { eventId: 'e3', identity: 'svc', label: 'attack', episode: 'ep', kind: 'recon' },
    { eventId: 'e4', identity: 'svc', label: 'attack', episode: 'ep', kind: 'recon' },
  ];

  it('pairs by id whatever the order, counts labels without a decision and decisions without a label', () => {
    // The replay rejected e2's record; e9 has no label; e4 was decided twice (the first counts).
    const decisions = [decision('e4', 'block', 90), decision('e1', 'allow', 0), decision('e9', 'alert', 50), decision('e3', 'allow', 10), decision('e4', 'allow', 0)];
    const joined = joinByEventId(labels, decisions);
    expect(joined.labels.map((l) => l.eventId)).toEqual(['e1', 'e3', 'e4']);
    expect(joined.decisions.map((d) => `${d.eventId}:${d.verdict}`)).toEqual(['e1:allow', 'e3:allow', 'e4:block']);
    expect(joined.missing).toBe(1);
    expect(joined.unlabelled).toBe(1);
  });

  it('scores only the decided labels, and runs the references on the events read, joined by id too', () => {
    const events = [event('e1', 0, 's3:GetObject'), event('e2', 1, 's3:GetObject'), event('e3', 2, 'iam:CreateUser'), event('e4', 3, 'iam:CreateUser')];
    const cmp = compareWithReferences({ events, labels }, [decision('e1', 'allow', 0), decision('e3', 'alert', 60), decision('e4', 'allow', 5)], 0);
    expect(cmp.decided).toBe(3);
    expect(cmp.missing).toBe(1);
    expect(cmp.warden.benignEvents).toBe(1);
    expect(cmp.warden.benignByDrift).toEqual({ routine: { events: 1, flagged: 0, flagRate: 0 } });
    expect(cmp.warden.perKind.recon).toMatchObject({ episodes: 1, events: 2, caughtWithin5: 1, meanEventsToDetect: 1, precision: 1, prAuc: 1 });
    // new-value with no learning period: e3's new action is flagged (and e1's first values).
    expect(cmp.newValue.perKind.recon?.meanEventsToDetect).toBe(1);
    expect(cmp.newValue.benignAlertRate).toBe(1);
  });

  it('counts every label as missing when no decision matches', () => {
    const cmp = compareWithReferences({ events: [], labels }, [decision('other', 'allow', 0)], 3);
    expect(cmp.decided).toBe(0);
    expect(cmp.missing).toBe(4);
  });
});
