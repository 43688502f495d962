import { parseConfig } from '../../../src/config/load.js';
import type { WardenConfig } from '../../../src/config/schema.js';
import type { Decision } from '../../../src/decisions/decision.js';
import type { WardenEvent } from '../../../src/events/event.js';
import { MemoryBaselineStore } from '../../../src/baseline/store-memory.js';
import { createDecider } from '../../../src/scoring/decider.js';
import type { Decider } from '../../../src/scoring/decider.js';
import type { FeedbackRecord } from '../../../src/baseline/feedback.js';
import { createEmptyPolicy, createInventoryResolver } from '../../helpers/decision-context.js';

export const START = Date.parse('2026-11-02T00:00:00Z');
export const HOUR = 3_600_000;
export const DAY = 86_400_000;

let seq = 0;
export function event(t: number, overrides: Partial<WardenEvent> = {}): WardenEvent {
  return {
    id: `e-${seq++}`,
    time: new Date(t).toISOString(),
    identity: { id: 'svc-deployer', tokenId: 'AKIA1' },
    action: 's3:PutObject',
    resource: 'arn:aws:s3:::artifacts/app.tgz',
    outcome: 'success',
    source: { ip: '10.1.2.3', asn: 'AS16509', country: 'IE', region: 'eu-west-1', userAgent: 'terraform/1.9', workload: 'ci' },
    bytes: 20_000,
    ...overrides,
  };
}

/** Ten days of a routine: every weekday hour 9..17, three calls. */
export function routine(days = 10): WardenEvent[] {
  const out: WardenEvent[] = [];
  for (let d = 0; d < days; d++) {
    for (let h = 9; h <= 17; h++) {
      const t = START + d * DAY + h * HOUR;
      out.push(event(t, { action: 'sts:GetCallerIdentity', resource: '', readOnly: true }));
      out.push(event(t + 5_000));
      out.push(event(t + 10_000, { action: 'ecs:UpdateService', resource: 'arn:aws:ecs:::service/prod/app' }));
    }
  }
  return out;
}

export function makeDecider(config: WardenConfig = parseConfig('{}', 't'), feedback: FeedbackRecord[] = []): Decider {
  return createDecider({ config, resolver: createInventoryResolver(null, config), policy: createEmptyPolicy(), store: new MemoryBaselineStore(), feedback });
}

export async function decideAll(decider: Decider, events: WardenEvent[]): Promise<Decision[]> {
  return decider.decideBatch(events);
}

export function codes(d: Decision | undefined): string[] {
  return (d?.reasons ?? []).filter((r) => r.weight > 0).map((r) => r.code);
}
