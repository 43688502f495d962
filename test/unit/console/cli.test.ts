import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { runCli } from '../../helpers/cli.js';

const saved = process.env.WARDEN_CONSOLE_TOKEN;
afterEach(() => {
  if (saved === undefined) delete process.env.WARDEN_CONSOLE_TOKEN;
  else process.env.WARDEN_CONSOLE_TOKEN = saved;
});

describe('warden console', () => {
  it('refuses to start without any way to authenticate, before touching Kafka or Redis', async () => {
    delete process.env.WARDEN_CONSOLE_TOKEN;
    const dir = mkdtempSync(join(tmpdir(), 'console-cli-'));
    const config = join(dir, 'warden.yaml');
    // Unreachable services: the refusal must come first, not a connection error.
    writeFileSync(config, 'kafka: { brokers: ["127.0.0.1:1"] }\nredis: { url: "redis://127.0.0.1:1" }\n');
    const run = await runCli('console', '--config', config, '--listen', '127.0.0.1:0');
    expect(run.code).toBe(1);
    expect(run.err).toMatch(/^WARDEN_CONSOLE_AUTH the console has no way to authenticate operators/);
    expect(run.err).toMatch(/hint: set WARDEN_CONSOLE_TOKEN/);
  });

  it('says what is wrong with --listen', async () => {
    const run = await runCli('console', '--listen', 'here:port');
    expect(run.code).toBe(2);
    expect(run.err).toMatch(/WARDEN_USAGE --listen wants host:port or port/);
  });
});
