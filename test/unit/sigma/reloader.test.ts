import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { EventEmitter } from 'node:events';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { SigmaReloader } from '../../../src/pipeline/sigma-reloader.js';
import { pino } from 'pino';
import type { WardenEvent } from '../../../src/events/event.js';

let dir: string;
let reloader: SigmaReloader | null = null;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'warden-sigma-'));
  mkdirSync(join(dir, 'aws'));
});
afterEach(() => {
  reloader?.close();
  rmSync(dir, { recursive: true, force: true });
});

const write = (eventName: string, level = 'high', file = 'aws/stop.yml') =>
  writeFileSync(join(dir, file), `title: Stop\nid: r-stop\nlevel: ${level}\nlogsource:\n  product: aws\n  service: cloudtrail\ndetection:\n  sel:\n    eventName: ${eventName}\n  condition: sel\n`);
const event: WardenEvent = { id: '1', time: '2026-11-25T10:00:00Z', identity: { id: 'svc' }, action: 'cloudtrail:StopLogging', sourceFormat: 'cloudtrail', raw: { eventName: 'StopLogging' } };

describe('SigmaReloader', () => {
  it('swaps in a valid change, keeps the running rules on an invalid one, and logs skipped rules', () => {
    write('DeleteTrail');
    const lines: string[] = [];
    const logger = pino({ level: 'info' }, { write: (l: string) => void lines.push(l) });
    reloader = new SigmaReloader({ dirs: [dir], logger });
    expect(reloader.rules.match(event)).toHaveLength(0);
    write('StopLogging');
    expect(reloader.reload()).toMatchObject({ ok: true, changed: true });
    expect(reloader.rules.match(event).map((h) => h.rule)).toEqual(['r-stop']);
    const good = reloader.version;
    write('StopLogging', 'severe');
    expect(reloader.reload()).toMatchObject({ ok: false, version: good });
    expect(reloader.rules.match(event)).toHaveLength(1);
    writeFileSync(join(dir, 'azure.yml'), 'title: Azure\nid: r-az\nlevel: low\nlogsource: { product: azure, service: signinlogs }\ndetection:\n  sel: { ResultType: 50126 }\n  condition: sel\n');
    write('StopLogging');
    expect(reloader.reload()).toMatchObject({ ok: true, changed: true });
    const skipped = lines.map((l) => JSON.parse(l) as Record<string, unknown>).filter((l) => l.msg === 'sigma rule skipped');
    expect(skipped).toEqual([expect.objectContaining({ rule: 'r-az', reason: expect.stringMatching(/logsource \{product: azure/), level: 40 })]);
  });

  it('refuses to start on an invalid rule file', () => {
    write('StopLogging', 'severe');
    expect(() => new SigmaReloader({ dirs: [dir] })).toThrow(/stop\.yml:3:8 level/);
  });

  it('reloads on SIGHUP and on changes in sub-folders', async () => {
    write('DeleteTrail');
    reloader = new SigmaReloader({ dirs: [dir], debounceMs: 20 });
    const hup = new EventEmitter();
    const detach = reloader.attachSighup(hup);
    write('StopLogging');
    hup.emit('SIGHUP');
    expect(reloader.rules.match(event)).toHaveLength(1);
    detach();
    reloader.watch();
    const reloaded = new Promise<string>((resolve) => reloader?.once('reload', (v) => resolve(v)));
    write('DeleteTrail');
    expect(await reloaded).toBe(reloader.version);
    expect(reloader.rules.match(event)).toHaveLength(0);
  });
});
