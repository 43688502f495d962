/**
 * `warden demo` end to end: the stolen token is stopped at the gateway within a few requests,
 * and the rest of the fleet is never denied — through the real broker and Redis, and in the
 * embedded mode used where they cannot run.
 */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { runDemo } from '../../src/demo/run-demo.js';
import { silentLogger } from '../../src/observability/logger.js';
import { kafkaBrokers, redisUrl } from './helpers/services.js';

describe('warden demo', () => {
  for (const mode of ['kafka', 'embedded'] as const) {
    it(`stops the stolen CI token and keeps the fleet working (${mode})`, async () => {
      const lines: string[] = [];
      const summary = await runDemo({
        mode,
        liveSeconds: 4,
        brokers: kafkaBrokers(),
        redisUrl: redisUrl(),
        dir: mkdtempSync(join(tmpdir(), 'warden-demo-')),
        logger: silentLogger,
        print: (line) => lines.push(line),
        color: false,
      });
      expect(summary.mode).toBe(mode);
      expect(summary.historyEvents).toBeGreaterThan(1000);
      // The first attacker request is served (its audit record is what reveals the theft); the rest are not.
      expect(summary.attackAllowed).toBeLessThanOrEqual(2);
      expect(summary.attackDenied).toBeGreaterThanOrEqual(summary.attackRequests - 2);
      expect(summary.benignRequests).toBeGreaterThan(0);
      expect(summary.benignDenied).toBe(0);
      expect(summary.benignAlerts).toBe(0);
      expect(summary.firstAttackDecision?.verdict).toBe('block');
      expect(lines.some((l) => l.includes('403') && l.includes('blocked at the gateway'))).toBe(true);
    });
  }
});
