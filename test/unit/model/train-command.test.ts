import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { syntheticFleet } from '../../../bench/lib/synthetic-fleet.js';
import { main } from '../../../src/cli/main.js';
import { loadModel } from '../../../src/model/load.js';
import { captureOutput as capture } from '../../helpers/cli.js';

let dir: string;
beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'warden-train-'));
  const { events, labels } = syntheticFleet({ seed: 4, days: 2, perPersona: 1, attacksPerKind: 1 });
  writeFileSync(join(dir, 'events.jsonl'), events.map((e) => JSON.stringify(e)).join('\n') + '\n');
  // The simulator's label shape: {eventId, label: benign|attack, kind}.
  writeFileSync(join(dir, 'labels.jsonl'), labels.map((l) => JSON.stringify({ eventId: l.eventId, label: l.attack ? 'attack' : 'benign', kind: l.attack ?? undefined })).join('\n') + '\n');
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));
afterEach(() => {
  vi.restoreAllMocks();
  process.exitCode = undefined;
});

describe('warden train', () => {
  it('trains on benign events only, shows progress and writes a loadable model', async () => {
    const io = capture();
    const out = join(dir, 'model');
    const code = await main(['node', 'warden', 'train', '-i', join(dir, 'events.jsonl'), '--labels', join(dir, 'labels.jsonl'), '-o', out, '--epochs', '2', '--backend', 'wasm']);
    expect(code).toBe(0);
    expect(io.err()).toMatch(/attack events dropped/);
    expect(io.err()).toMatch(/epoch 1\/2 {2}loss/);
    expect(io.out()).toMatch(/model ae-\d{8}-[0-9a-f]{8} written to/);
    const meta = JSON.parse(readFileSync(join(out, 'meta.json'), 'utf8')) as { training: { droppedAttackEvents: number; epochs: number } };
    expect(meta.training.droppedAttackEvents).toBeGreaterThan(20);
    expect(meta.training.epochs).toBe(2);
    const scorer = await loadModel(out);
    expect(io.out()).toContain(scorer.version);
    scorer.dispose();
  }, 60_000);

  it('names the file and line of an event it cannot use', async () => {
    const io = capture();
    const bad = join(dir, 'bad.jsonl');
    writeFileSync(bad, '{"id":"a","time":"2026-11-18T10:00:00Z","identity":{"id":"x"},"action":"a:b"}\n{"id":"b","identity":{"id":"x"}}\n');
    expect(await main(['node', 'warden', 'train', '-i', bad, '-o', join(dir, 'never')])).toBe(1);
    expect(io.err()).toMatch(/WARDEN_EVENT_INVALID/);
    expect(io.err()).toMatch(/bad\.jsonl:2: not a native Warden event, missing or invalid time \(RFC 3339\), action/);
  });

  it('reports a missing input file', async () => {
    const io = capture();
    expect(await main(['node', 'warden', 'train', '-i', join(dir, 'nope.jsonl'), '-o', join(dir, 'never')])).toBe(1);
    expect(io.err()).toMatch(/WARDEN_INPUT_NOT_FOUND/);
  });

  it('rejects flags that make no sense as usage errors', async () => {
    const io = capture();
    expect(await main(['node', 'warden', 'train', '-i', join(dir, 'events.jsonl'), '-o', join(dir, 'never'), '--validation', '0.9'])).toBe(2);
    expect(io.err()).toMatch(/--validation must be between 0 and 0.5/);
  });
});
