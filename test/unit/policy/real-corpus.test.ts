/**
 * The example policies against what the normalizers really produce (docs/formats.md, canonical
 * action names): the real audit corpus of test/fixtures/real-audit goes through the normalizers
 * and the policies of config/policies with config/identities.yaml; the example ETL identity's
 * normal jobs, taken from real records, are allowed; and every action a policy or a policy test
 * case names is one a normalizer can write (or a glob that matches one), so that names no source
 * produces (`bigquery.jobs.create` without its service, `lambda:UpdateFunctionCode20150331v2`)
 * cannot come back.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { compilePatterns } from '../../../src/common/glob.js';
import { isPolicyTestFile, listPolicyFiles, loadPolicyDir } from '../../../src/policy/files.js';
import { createNormalizer } from '../../../src/events/index.js';
import type { WardenEvent } from '../../../src/events/index.js';
import { canonicalEventName } from '../../../src/events/formats/cloudtrail.js';
import { loadInventory } from '../../../src/identity/load.js';
import { createIdentityResolver } from '../../../src/identity/resolver.js';
import { createPolicyEngine } from '../../../src/policy/engine.js';
import { parsePolicyTestFile } from '../../../src/policy/testing/test-file.js';

const CORPUS = 'test/fixtures/real-audit';
const POLICIES = 'config/policies';
const normalize = createNormalizer();
const set = loadPolicyDir(POLICIES);
const inventory = loadInventory('config/identities.yaml');

function decide(event: WardenEvent) {
  // Fresh state per event: rate limits must not carry over between unrelated checks.
  const engine = createPolicyEngine(set);
  const identity = createIdentityResolver(inventory).resolve(event);
  const evaluation = engine.evaluate(event, identity);
  // No enforce rule with an opinion (verdict null) is an allow.
  return { identity, evaluation, verdict: evaluation.verdict ?? 'allow' };
}

function normalizeOne(record: unknown): WardenEvent {
  const r = normalize(typeof record === 'string' ? record : JSON.stringify(record), { file: 'probe' });
  expect(r.rejects).toEqual([]);
  expect(r.events).toHaveLength(1);
  return r.events[0]!;
}

const lines = (file: string): string[] => readFileSync(join(CORPUS, file), 'utf8').split('\n').filter((l) => l.trim() !== '');
const records = (file: string): Record<string, unknown>[] => lines(file).map((l) => JSON.parse(l) as Record<string, unknown>);

const corpus: WardenEvent[] = ['cloudtrail.jsonl', 'gcp-audit.jsonl', 'k8s-audit.jsonl', 'github-audit.jsonl', 'pgaudit.log'].flatMap((file) =>
  lines(file).flatMap((line, i) => normalize(line, { file, line: i + 1 }).events),
);

describe('the real audit corpus through the normalizers and the example policies', () => {
  it('normalizes to canonical actions: no CloudTrail API version suffix, GCP permissions where logged', () => {
    expect(corpus.length).toBeGreaterThan(300);
    const ct = corpus.filter((e) => e.sourceFormat === 'cloudtrail');
    expect(ct.filter((e) => canonicalEventName(e.action.slice(e.action.indexOf(':') + 1)) !== e.action.slice(e.action.indexOf(':') + 1)).map((e) => e.action)).toEqual([]);
    const actions = new Set(ct.map((e) => e.action));
    for (const a of ['lambda:UpdateFunctionCode', 'lambda:UpdateFunctionConfiguration', 'lambda:AddPermission', 'lambda:RemovePermission', 'lambda:ListFunctions']) expect(actions).toContain(a);
    const renamed = ct.filter((e) => e.attributes?.eventName !== undefined);
    expect(renamed.length).toBeGreaterThan(0);
    for (const e of renamed) expect(`${e.action.split(':')[0]}:${canonicalEventName(String(e.attributes?.eventName))}`).toBe(e.action);
    const gcp = records('gcp-audit.jsonl');
    const withPermission = gcp.filter((r) => JSON.stringify((r.protoPayload as { authorizationInfo?: unknown }).authorizationInfo ?? []).includes('"permission"'));
    expect(withPermission.length).toBeGreaterThan(10);
    let checked = 0;
    for (const r of withPermission) {
      const p = r.protoPayload as { authorizationInfo: { permission?: string }[]; methodName: string };
      const [e] = normalize(JSON.stringify(r), { file: 'gcp-audit.jsonl' }).events;
      if (!e) continue; // rejected for another reason (a timestamp the record does not have)
      checked++;
      expect(e.action.endsWith(`:${p.authorizationInfo.find((a) => a.permission)?.permission}`), e.action).toBe(true);
      expect(e.attributes?.methodName).toBe(p.methodName);
    }
    expect(checked).toBeGreaterThan(10);
  });

  it('decides every event of the corpus with the example policies and inventory', () => {
    let decided = 0;
    for (const event of corpus) {
      expect(['allow', 'alert', 'block']).toContain(decide(event).verdict);
      decided++;
    }
    expect(decided).toBe(corpus.length);
  });

  it("allows the example GCP ETL loader's nightly BigQuery job, taken from a real InsertJob record", () => {
    const real = records('gcp-audit.jsonl').find((r) => (r.protoPayload as { methodName?: string }).methodName === 'google.cloud.bigquery.v2.JobService.InsertJob');
    expect(real).toBeDefined();
    // The real record, as the example ETL loader would write it: its principal, project and region.
    const record = structuredClone(real!) as { protoPayload: Record<string, unknown>; resource: { labels: Record<string, unknown> }; timestamp: string };
    record.protoPayload.authenticationInfo = { principalEmail: 'etl-loader@acme-data.iam.gserviceaccount.com' };
    record.protoPayload.resourceName = 'projects/acme-data/jobs/nightly-42';
    record.resource = { ...record.resource, labels: { project_id: 'acme-data', location: 'europe-west1' } };
    record.timestamp = '2026-11-25T02:30:00Z';
    const event = normalizeOne(record);
    expect(event.action).toBe('bigquery:bigquery.jobs.create');
    const { identity, evaluation, verdict } = decide(event);
    expect(identity.findings).toEqual([]);
    expect({ verdict, reasons: evaluation.reasons.map((r) => r.code) }).toEqual({ verdict: 'allow', reasons: [] });
    expect(evaluation.shadowVerdict).toBeNull();
    // The policy governs it: the method name it used to be published under is outside the allow-list.
    const asMethod = normalizeOne({ ...record, protoPayload: { ...record.protoPayload, authorizationInfo: undefined } });
    expect(asMethod.action).toBe('bigquery:google.cloud.bigquery.v2.JobService.InsertJob');
    const old = decide(asMethod);
    expect({ verdict: old.verdict, reasons: old.evaluation.reasons.map((r) => r.code) }).toEqual({ verdict: 'block', reasons: ['POLICY_NOT_ALLOWED'] });
  });

  it("allows the example AWS ETL job's nightly S3 reads and writes, taken from real S3 data events", () => {
    const ct = records('cloudtrail.jsonl');
    const pick = (name: string) => ct.find((r) => r.eventName === name && (r.requestParameters as { key?: string } | undefined)?.key !== undefined);
    for (const [name, bucket] of [
      ['GetObject', 'acme-raw'],
      ['PutObject', 'acme-curated'],
    ] as const) {
      const real = pick(name);
      expect(real, name).toBeDefined();
      const record = structuredClone(real!);
      const key = 'sales/2026-11-24.parquet';
      record.requestParameters = { ...(record.requestParameters as object), bucketName: bucket, key };
      record.resources = [{ type: 'AWS::S3::Object', ARN: `arn:aws:s3:::${bucket}/${key}` }];
      record.awsRegion = 'eu-west-1';
      record.eventTime = '2026-11-25T02:30:00Z';
      const normalized = normalizeOne(record);
      expect(normalized.action).toBe(`s3:${name}`);
      // The example inventory names this job by its native id (config/identities.yaml).
      const event: WardenEvent = { ...normalized, identity: { id: 'svc-etl-nightly', tokenId: 'AKIAEXAMPLEETL000001' } };
      const { identity, evaluation, verdict } = decide(event);
      expect(identity.findings).toEqual([]);
      expect({ name, verdict, reasons: evaluation.reasons.map((r) => r.code) }).toEqual({ name, verdict: 'allow', reasons: [] });
      // The policy governs it: the same call on another bucket is outside the allow-list.
      const elsewhere = decide({ ...event, resource: `arn:aws:s3:::acme-secrets/${key}` });
      expect({ name, verdict: elsewhere.verdict, reasons: elsewhere.evaluation.reasons.map((r) => r.code) }).toEqual({ name, verdict: 'block', reasons: ['POLICY_NOT_ALLOWED'] });
    }
  });
});

/** A record of the source the action belongs to, that a normalizer turns into exactly that action. */
function recordFor(action: string): { source: string; record: unknown } | { error: string } {
  const colon = action.indexOf(':');
  if (colon <= 0) return { error: 'no <service>: prefix' };
  const service = action.slice(0, colon);
  const name = action.slice(colon + 1);
  const time = '2026-11-25T02:30:00Z';
  if (service === 'k8s') {
    const [verb, path = ''] = name.split(':');
    const [resource, subresource] = path.split('/');
    if (!verb || !resource) return { error: 'not k8s:<verb>:<resource>[/<subresource>]' };
    const objectRef: Record<string, string> = { resource, namespace: 'platform', name: 'probe', apiVersion: 'v1' };
    if (subresource) objectRef.subresource = subresource;
    return {
      source: 'k8s',
      record: { kind: 'Event', apiVersion: 'audit.k8s.io/v1', level: 'Metadata', auditID: 'probe', stage: 'ResponseComplete', requestURI: `/api/v1/${path}`, verb, user: { username: 'probe' }, sourceIPs: ['10.96.0.5'], objectRef, responseStatus: { code: 200 }, requestReceivedTimestamp: time, stageTimestamp: time },
    };
  }
  if (name.includes('.')) {
    // GCP: IAM permissions are <service>.<resource>.<verb> (GKE: io.k8s.<group>.<version>.<resource>.<verb>).
    if (!/^[a-z][a-zA-Z0-9]*(\.[a-z][a-zA-Z0-9]*){2}$/.test(name) && !name.startsWith('io.k8s.')) return { error: `${name} is not a GCP permission (<service>.<resource>.<verb>)` };
    return {
      source: 'gcp',
      record: {
        protoPayload: { '@type': 'type.googleapis.com/google.cloud.audit.AuditLog', authenticationInfo: { principalEmail: 'probe@acme-data.iam.gserviceaccount.com' }, serviceName: `${service}.googleapis.com`, methodName: 'probe.Method', authorizationInfo: [{ permission: name, granted: true }] },
        insertId: 'probe',
        timestamp: time,
      },
    };
  }
  return {
    source: 'cloudtrail',
    record: { eventVersion: '1.08', userIdentity: { type: 'IAMUser', arn: 'arn:aws:iam::123456789012:user/probe', accountId: '123456789012' }, eventTime: time, eventSource: `${service}.amazonaws.com`, eventName: name, eventID: 'probe' },
  };
}

/** The pattern made concrete (a glob's `*` and `?` filled in), through its normalizer. */
function producible(pattern: string): string | null {
  const concrete = pattern.startsWith('k8s:') || /\.[^:]*$/.test(pattern) ? pattern.replace(/\*/g, 'things').replace(/\?/g, 'x') : pattern.replace(/\*/g, 'Things').replace(/\?/g, 'X');
  const built = recordFor(concrete);
  if ('error' in built) return `${pattern}: ${built.error}`;
  const r = normalize(JSON.stringify(built.record), { file: 'probe' });
  const event = r.events[0];
  if (!event || event.sourceFormat !== built.source) return `${pattern}: not normalized as ${built.source} (${r.rejects.map((x) => x.reason).join(', ')})`;
  if (!compilePatterns([pattern]).matches(event.action)) return `${pattern}: the ${built.source} normalizer writes ${event.action}`;
  return null;
}

describe('action names of the example policies and their tests', () => {
  const policyActions = set.policies.flatMap((p) => [...p.rules.flatMap((r) => r.actions?.patterns ?? []), ...p.exceptions.flatMap((e) => e.actions?.patterns ?? [])]);
  const testActions = listPolicyFiles([POLICIES], isPolicyTestFile).flatMap((file) =>
    parsePolicyTestFile(readFileSync(file, 'utf8'), file).cases.flatMap((c) => c.events.map((e) => e.action)),
  );

  it('are names (or globs over names) a normalizer writes', () => {
    expect(policyActions.length).toBeGreaterThan(20);
    expect(testActions.length).toBeGreaterThan(20);
    expect([...new Set([...policyActions, ...testActions])].map(producible).filter((x) => x !== null)).toEqual([]);
  });

  it('catches the names the normalizers never write', () => {
    expect(producible('bigquery.jobs.create')).toMatch(/no <service>: prefix/);
    expect(producible('lambda:UpdateFunctionCode20150331v2')).toMatch(/writes lambda:UpdateFunctionCode$/);
    expect(producible('cloudfront:UpdateDistribution2020_05_31')).toMatch(/writes cloudfront:UpdateDistribution$/);
    expect(producible('bigquery:google.cloud.bigquery.v2.JobService.InsertJob')).toMatch(/not a GCP permission/);
    expect(producible('k8s:update')).toMatch(/not k8s:<verb>:<resource>/);
    expect(producible('bigquery:bigquery.jobs.create')).toBeNull();
    expect(producible('k8s:create:pods/exec')).toBeNull();
    expect(producible('ecs:Describe*')).toBeNull();
  });

  it('cover what the corpus shows the policies are about', () => {
    // The exact names of the policies that the real corpus contains are written the same way.
    const seen = new Set(corpus.map((e) => e.action));
    const exact = policyActions.filter((a) => !a.includes('*') && !a.includes('?'));
    expect(exact.filter((a) => seen.has(a)).sort()).toEqual(expect.arrayContaining(['bigquery:bigquery.jobs.create', 's3:GetObject', 's3:PutObject', 'sts:GetCallerIdentity']));
  });
});
