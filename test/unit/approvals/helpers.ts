import { Writable } from 'node:stream';
import { pino } from 'pino';
import type { Logger } from 'pino';
import type { ApprovalRecord } from '../../../src/approvals/record.js';
import { openRequest } from '../../../src/approvals/state.js';
import type { OpenRequestInput } from '../../../src/approvals/state.js';

export const T0 = Date.parse('2026-11-25T10:00:00Z');
export const MIN = 60_000;

export function pending(overrides: Partial<OpenRequestInput> = {}): ApprovalRecord {
  return openRequest({
    id: 'apr-0000000000000001',
    identity: 'svc-deployer',
    actions: ['GET /items/*'],
    reasons: ['release 4.2 reads the catalogue'],
    risk: 91,
    owner: 'team-platform',
    criticality: 'high',
    required: 1,
    origin: { kind: 'operator' },
    requestedBy: 'alice',
    grantTtlMs: 30 * MIN,
    pendingTtlMs: 60 * MIN,
    nowMs: T0,
    ...overrides,
  });
}

/** A pino logger whose lines are kept, parsed, for assertions. */
export function capturingLogger(): { logger: Logger; lines: Array<Record<string, unknown>> } {
  const lines: Array<Record<string, unknown>> = [];
  const stream = new Writable({
    write(chunk: Buffer, _enc, done) {
      for (const line of chunk.toString('utf8').split('\n')) if (line.trim() !== '') lines.push(JSON.parse(line) as Record<string, unknown>);
      done();
    },
  });
  return { logger: pino({ level: 'debug' }, stream), lines };
}
