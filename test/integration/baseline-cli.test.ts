/**
 * `warden baseline export` and `import` against the real Redis: a profile exported from one key
 * prefix and imported under another reads back equal, and a damaged file is refused before
 * anything is written.
 */
import { randomUUID } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MemoryBaselineStore } from '../../src/baseline/store-memory.js';
import { RedisBaselineStore } from '../../src/baseline/store-redis.js';
import { parseConfig } from '../../src/config/load.js';
import { createDecider } from '../../src/scoring/decider.js';
import { replayEvents } from '../../src/pipeline/replay.js';
import { simulate } from '../../src/simulator/generate.js';
import { createEmptyPolicy, createInventoryResolver } from '../helpers/decision-context.js';
import { runCli } from '../helpers/cli.js';

const url = process.env.WARDEN_REDIS_URL ?? 'redis://127.0.0.1:6379';
const from = `test-export-${randomUUID()}`;
const to = `test-import-${randomUUID()}`;
const dir = mkdtempSync(join(tmpdir(), 'warden-baseline-cli-'));
const configFile = join(dir, 'warden.yaml');
let redis: Redis;

beforeAll(() => {
  redis = new Redis(url, { maxRetriesPerRequest: 2 });
  writeFileSync(configFile, `redis:\n  url: ${url}\n`);
});

afterAll(async () => {
  for (const prefix of [from, to]) {
    const keys = await redis.keys(`${prefix}*`);
    if (keys.length > 0) await redis.del(...keys);
  }
  redis.disconnect();
  rmSync(dir, { recursive: true, force: true });
});

describe('baseline export → import', () => {
  it('round-trips a learned profile between key prefixes and refuses a damaged file', async () => {
    const config = parseConfig('{}', 'test');
    const sim = simulate({ seed: 5, days: 3, fleet: 3 });
    const memory = new MemoryBaselineStore();
    const records = sim.identities.map((i) => ({ id: i.id, owner: i.owner, class: i.kind }));
    const decider = createDecider({ config, resolver: createInventoryResolver(records, config), policy: createEmptyPolicy(), store: memory });
    await replayEvents(sim.events, decider, () => undefined, { batchSize: 200 });
    const identity = sim.identities[0]!.id;
    const learned = await memory.get(identity);
    expect(learned?.events).toBeGreaterThan(0);

    const source = new RedisBaselineStore(new Redis(url), { keyPrefix: from, ttlMs: 86_400_000 });
    const target = new RedisBaselineStore(new Redis(url), { keyPrefix: to, ttlMs: 86_400_000 });
    try {
      await source.put(learned!);
      const file = join(dir, 'profile.json');
      const exported = await runCli('baseline', 'export', identity, '--config', configFile, '--key-prefix', from, '--out', file);
      expect(exported.code, exported.err).toBe(0);

      // A cut-off copy of the file is refused, and nothing reaches the target prefix.
      const cut = join(dir, 'cut.json');
      writeFileSync(cut, readFileSync(file, 'utf8').slice(0, 200));
      const refused = await runCli('baseline', 'import', cut, '--config', configFile, '--key-prefix', to);
      expect(refused.code).toBe(1);
      expect(refused.err).toMatch(/^WARDEN_INPUT_INVALID /m);
      expect(await target.get(identity)).toBeNull();

      const imported = await runCli('baseline', 'import', file, '--config', configFile, '--key-prefix', to);
      expect(imported.code, imported.err).toBe(0);
      expect(imported.out).toContain(`imported ${identity}`);
      expect(await target.get(identity)).toEqual(await source.get(identity));
    } finally {
      await source.close();
      await target.close();
    }
  });
});
