import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Ajv2020 } from 'ajv/dist/2020.js';
import addFormats from 'ajv-formats';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { main } from '../../../src/cli/main.js';
import { createSigner, generateKeyPair } from '../../../src/decisions/signing.js';
import { decision } from '../notify/receiver.js';
import { captureOutput as capture } from '../../helpers/cli.js';

const ajv = new Ajv2020({ allErrors: true, strict: true, strictRequired: false, strictTypes: false });
(addFormats as unknown as (a: Ajv2020) => void)(ajv);
const validate = ajv.compile(JSON.parse(readFileSync('test/fixtures/ocsf-out/detection-finding-1.5.schema.json', 'utf8')) as object);

afterEach(() => {
  vi.restoreAllMocks();
  process.exitCode = undefined;
});

describe('warden ocsf', () => {
  const dir = mkdtempSync(join(tmpdir(), 'warden-ocsf-cli-'));
  const keys = generateKeyPair();
  writeFileSync(join(dir, 'warden.pub'), keys.publicKeyPem);
  const signer = createSigner(keys.privateKeyPem, { batchSize: 4 });
  const lines = signer.signAll([
    decision({ decisionId: 'd-alert', verdict: 'alert', score: 55 }),
    decision({ decisionId: 'd-block' }),
    decision({ decisionId: 'd-allow', verdict: 'allow', score: 0, reasons: [] }),
  ]);

  it('converts signed alerts and blocks to valid findings, skipping allows', async () => {
    const input = join(dir, 'decisions.jsonl');
    writeFileSync(input, `${lines.join('\n')}\n`);
    const output = join(dir, 'findings.ndjson');
    const io = capture();
    expect(await main(['node', 'warden', 'ocsf', input, '-o', output, '--public-key', join(dir, 'warden.pub')])).toBe(0);
    const findings = readFileSync(output, 'utf8').trim().split('\n').map((l) => JSON.parse(l) as { finding_info: { uid: string } });
    expect(findings.map((f) => f.finding_info.uid)).toEqual(['d-alert', 'd-block']);
    for (const f of findings) expect(validate(f)).toBe(true);
    expect(io.err()).toContain('2 findings, 1 allows skipped, 0 not verified, 0 lines not decisions');
  });

  it('reports and skips tampered decisions and lines that are not decisions, and exits 1', async () => {
    const tampered = JSON.stringify({ ...(JSON.parse(lines[1]!) as object), score: 5 });
    const input = join(dir, 'mixed.jsonl');
    writeFileSync(input, [lines[0], tampered, '{not json', '{"a":1}'].join('\n'));
    const output = join(dir, 'mixed.ndjson');
    const io = capture();
    expect(await main(['node', 'warden', 'ocsf', input, '-o', output, '--public-key', join(dir, 'warden.pub')])).toBe(1);
    expect(io.err()).toContain(`${input}:2: d-block does not verify (bad-signature); skipped`);
    expect(io.err()).toContain(`${input}:3: not a decision`);
    expect(readFileSync(output, 'utf8').trim().split('\n')).toHaveLength(1);
  });

  it('converts unsigned replay output with --no-verify, and refuses a missing input', async () => {
    const input = join(dir, 'unsigned.jsonl');
    writeFileSync(input, JSON.stringify(decision()));
    const output = join(dir, 'unsigned.ndjson');
    capture();
    expect(await main(['node', 'warden', 'ocsf', input, '-o', output, '--no-verify'])).toBe(0);
    expect(readFileSync(output, 'utf8').trim().split('\n')).toHaveLength(1);
    const io = capture();
    expect(await main(['node', 'warden', 'ocsf', join(dir, 'nope.jsonl')])).toBe(1);
    expect(io.err()).toContain('WARDEN_INPUT_NOT_FOUND');
  });
});
