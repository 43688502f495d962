import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { EventEmitter } from 'node:events';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { PolicyReloader } from '../../../src/pipeline/policy-reloader.js';
import type { WardenEvent } from '../../../src/events/event.js';

let dir: string;
let reloader: PolicyReloader | null = null;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'warden-reload-'));
});
afterEach(() => {
  reloader?.close();
  rmSync(dir, { recursive: true, force: true });
});

const write = (actions: string) => writeFileSync(join(dir, 'p.yaml'), `policy: p\nrules:\n  - { id: d, kind: deny, actions: [${actions}] }\n`);
const event: WardenEvent = { id: '1', time: '2026-11-25T10:00:00Z', identity: { id: 'svc' }, action: 'iam:CreateUser' };
const who = { identityId: 'svc', owner: 't', record: null, class: null, environment: null, criticality: null, findings: [] };

describe('PolicyReloader', () => {
  it('swaps in a valid change with a new version and keeps the old engine on an invalid one', () => {
    write('"s3:*"');
    reloader = new PolicyReloader({ dir, mode: 'enforce' });
    const v1 = reloader.version;
    expect(reloader.engine.evaluate(event, who).verdict).toBeNull();
    const seen: string[] = [];
    reloader.on('reload', (v) => seen.push(`reload ${v}`));
    reloader.on('rejected', (e) => seen.push(`rejected ${e.message}`));

    write('"iam:*"');
    const ok = reloader.reload();
    expect(ok).toMatchObject({ ok: true, changed: true });
    expect(reloader.version).not.toBe(v1);
    expect(reloader.engine.evaluate(event, who).verdict).toBe('block');
    const v2 = reloader.version;

    writeFileSync(join(dir, 'p.yaml'), 'policy: p\nrules:\n  - { id: d, kind: deny, actions: [] }\n');
    expect(reloader.reload()).toMatchObject({ ok: false, version: v2 });
    expect(reloader.version).toBe(v2);
    expect(reloader.engine.evaluate(event, who).verdict).toBe('block');
    expect(seen[0]).toBe(`reload ${v2}`);
    expect(seen[1]).toMatch(/^rejected .*p\.yaml:3:\d+ rules\[0\]\.actions/);
  });

  it('reloads on SIGHUP and on file changes', async () => {
    write('"s3:*"');
    reloader = new PolicyReloader({ dir, mode: 'enforce', debounceMs: 20 });
    const hup = new EventEmitter();
    const detach = reloader.attachSighup(hup);
    write('"iam:*"');
    hup.emit('SIGHUP');
    expect(reloader.engine.evaluate(event, who).verdict).toBe('block');
    detach();

    reloader.watch();
    const reloaded = new Promise<string>((resolve) => reloader?.once('reload', (v) => resolve(v)));
    write('"iam:CreateUser", "kms:*"');
    expect(await reloaded).toBe(reloader.version);
  });

  it('refuses to start on invalid policies', () => {
    writeFileSync(join(dir, 'p.yaml'), 'policy: p\n');
    expect(() => new PolicyReloader({ dir, mode: 'enforce' })).toThrow(/WARDEN|rules/);
  });
});
