/**
 * Real records from public projects (see test/fixtures/real-audit/README.md for attribution):
 * every record normalizes to an event with identity, action and time, except the few that
 * really lack one, which are rejected with the reason saying so.
 */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { createNormalizer } from '../../../src/events/index.js';
import type { WardenEvent } from '../../../src/events/index.js';

const DIR = 'test/fixtures/real-audit';
const normalize = createNormalizer();

/** Records that cannot normalize, and why (checked against the record itself below). */
const EXPECTED_REJECTS: Record<string, Record<number, string>> = {
  'cloudtrail.jsonl': { 187: 'BAD_TIMESTAMP' },
  'gcp-audit.jsonl': { 14: 'BAD_TIMESTAMP' },
  'k8s-audit.jsonl': {},
  'github-audit.jsonl': {},
  'pgaudit.log': {},
};

const FORMAT_OF: Record<string, string> = {
  'cloudtrail.jsonl': 'cloudtrail',
  'gcp-audit.jsonl': 'gcp',
  'k8s-audit.jsonl': 'k8s',
  'github-audit.jsonl': 'github',
  'pgaudit.log': 'pgaudit',
};

function assertComplete(e: WardenEvent): void {
  expect(e.id).toMatch(/.+/);
  expect(e.identity.id).toMatch(/.+/);
  expect(e.action).toMatch(/^[^:]+:.+/);
  expect(new Date(e.time).toISOString()).toBe(e.time);
}

describe.each(Object.keys(EXPECTED_REJECTS))('real records: %s', (file) => {
  const lines = readFileSync(`${DIR}/${file}`, 'utf8').split('\n').map((text, i) => ({ text, line: i + 1 })).filter((l) => l.text.trim() !== '');
  const results = lines.map((l) => ({ ...l, result: normalize(l.text, { file, line: l.line }) }));

  it('normalizes every record that has an identity, an action and a time', () => {
    const rejected: Record<number, string> = {};
    for (const { line, result } of results) {
      for (const r of result.rejects) rejected[line] = r.reason;
      if (result.rejects.length === 0) expect(result.events.length, `line ${line}`).toBeGreaterThan(0);
    }
    expect(rejected).toEqual(EXPECTED_REJECTS[file]);
  });

  it('produces complete events of the right format', () => {
    for (const { result } of results) {
      for (const e of result.events) {
        assertComplete(e);
        expect(e.sourceFormat).toBe(FORMAT_OF[file]);
      }
    }
    const normalized = results.filter((r) => r.result.events.length > 0).length;
    expect(normalized / results.length).toBeGreaterThanOrEqual(0.9);
  });

  it('rejects only records that really lack what the reason says', () => {
    for (const { text, result } of results) {
      for (const r of result.rejects) {
        const record = JSON.parse(r.raw) as Record<string, unknown>;
        expect(r.raw).toBe(text.trim());
        if (r.reason === 'MISSING_IDENTITY') expect(record.userIdentity).toBeUndefined();
        if (r.reason === 'BAD_TIMESTAMP') expect(JSON.stringify(record)).toContain('"..."');
      }
    }
  });
});

describe('real records: identities a user would recognise', () => {
  const first = (file: string, line: number): WardenEvent => {
    const text = readFileSync(`${DIR}/${file}`, 'utf8').split('\n')[line - 1] ?? '';
    const event = normalize(text, {}).events[0];
    if (!event) throw new Error(`no event for ${file}:${line}`);
    return event;
  };
  it('maps an AssumedRole to its role ARN with the session name', () => {
    const e = first('cloudtrail.jsonl', 2);
    expect(e.identity).toMatchObject({ id: 'arn:aws:iam::123456789012:role/tester', type: 'role' });
  });
  it('maps Kubernetes service accounts and GCP service account keys', () => {
    expect(first('k8s-audit.jsonl', 3).identity).toMatchObject({ id: 'system:serviceaccount:kube-system:coredns', type: 'service_account' });
    expect(first('gcp-audit.jsonl', 8).identity.type).toBe('service_account');
  });
  it('maps a GitHub App token to an app identity with its token id', () => {
    const lines = readFileSync(`${DIR}/github-audit.jsonl`, 'utf8').split('\n');
    const index = lines.findIndex((l) => l.includes('programmatic_access_type'));
    const e = first('github-audit.jsonl', index + 1);
    expect(e.identity).toMatchObject({ id: 'github-actions[bot]', type: 'bot', tokenId: '1111111111111' });
  });
  it('marks pgaudit DDL as privileged and reads as read-only', () => {
    const ddl = first('pgaudit.log', 1);
    expect(ddl).toMatchObject({ action: 'postgres:CREATE TABLE', privileged: true, readOnly: false, identity: { id: 'postgres', type: 'database_user' } });
  });
});
