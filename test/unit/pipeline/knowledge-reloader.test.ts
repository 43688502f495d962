import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { EventEmitter } from 'node:events';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { KnowledgeReloader } from '../../../src/pipeline/knowledge-reloader.js';
import type { WardenEvent } from '../../../src/events/event.js';

let dir: string;
let reloader: KnowledgeReloader | null = null;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'warden-knowledge-'));
});
afterEach(() => {
  reloader?.close();
  rmSync(dir, { recursive: true, force: true });
});

const write = (action: string, tier = 'critical') =>
  writeFileSync(
    join(dir, 'aws.yaml'),
    `version: 1\nsource: aws\nentries:\n  - id: aws.test.entry\n    actions: ['${action}']\n    tactic: defense-evasion\n    technique: T1562.008\n    name: Test\n    tier: ${tier}\n`,
  );
const event: WardenEvent = { id: '1', time: '2026-11-25T10:00:00Z', identity: { id: 'svc' }, action: 'cloudtrail:StopLogging' };

describe('KnowledgeReloader', () => {
  it('swaps in a valid change and keeps the old pack on an invalid one', () => {
    write('s3:PutObject');
    reloader = new KnowledgeReloader({ dir });
    const v1 = reloader.version;
    expect(reloader.pack.match(event)).toHaveLength(0);
    const seen: string[] = [];
    reloader.on('reload', (v) => seen.push(`reload ${v}`));
    reloader.on('rejected', (e) => seen.push(`rejected ${e.message}`));

    write('cloudtrail:StopLogging');
    expect(reloader.reload()).toMatchObject({ ok: true, changed: true });
    expect(reloader.version).not.toBe(v1);
    expect(reloader.pack.match(event).map((h) => h.entry)).toEqual(['aws.test.entry']);
    const v2 = reloader.version;
    expect(reloader.reload()).toMatchObject({ ok: true, changed: false, version: v2 });

    write('cloudtrail:StopLogging', 'severe');
    expect(reloader.reload()).toMatchObject({ ok: false, version: v2 });
    expect(reloader.version).toBe(v2);
    expect(reloader.pack.match(event)).toHaveLength(1);
    expect(seen[0]).toBe(`reload ${v2}`);
    expect(seen[1]).toMatch(/^rejected .*aws\.yaml:9:11 entries\[0\]\.tier/);
  });

  it('refuses to start on an invalid pack', () => {
    write('cloudtrail:StopLogging', 'severe');
    expect(() => new KnowledgeReloader({ dir })).toThrow(/WARDEN_KNOWLEDGE_INVALID|entries\[0\]\.tier/);
  });

  it('reloads on SIGHUP and on file changes', async () => {
    write('s3:PutObject');
    reloader = new KnowledgeReloader({ dir, debounceMs: 20 });
    const hup = new EventEmitter();
    const detach = reloader.attachSighup(hup);
    write('cloudtrail:StopLogging');
    hup.emit('SIGHUP');
    expect(reloader.pack.match(event)).toHaveLength(1);
    detach();

    reloader.watch();
    const reloaded = new Promise<string>((resolve) => reloader?.once('reload', (v) => resolve(v)));
    write('cloudtrail:StopLogging', 'high');
    const version = await reloaded;
    expect(version).toBe(reloader.version);
    expect(reloader.pack.match(event)[0]?.tier).toBe('high');
  });
});
