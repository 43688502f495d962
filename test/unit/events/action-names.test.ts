/**
 * Canonical action names (docs/formats.md): CloudTrail event names without the API version some
 * services append, GCP actions from the authorizationInfo permission.
 */
import { describe, expect, it } from 'vitest';
import { createNormalizer } from '../../../src/events/index.js';
import type { WardenEvent } from '../../../src/events/index.js';
import { canonicalEventName } from '../../../src/events/formats/cloudtrail.js';

const normalize = createNormalizer();

function one(record: object): WardenEvent {
  const r = normalize(JSON.stringify(record), { file: 'test' });
  expect(r.rejects).toEqual([]);
  expect(r.events).toHaveLength(1);
  return r.events[0]!;
}

describe('CloudTrail: API version suffixes', () => {
  it.each([
    // Every suffixed name of the real corpora (panther-analysis tests, invictus-ir detonations).
    ['UpdateFunctionCode20150331v2', 'UpdateFunctionCode'],
    ['UpdateFunctionCode20150331', 'UpdateFunctionCode'],
    ['CreateFunction20150331', 'CreateFunction'],
    ['AddPermission20150331v2', 'AddPermission'],
    ['RemovePermission20150331v2', 'RemovePermission'],
    ['GetFunction20150331v2', 'GetFunction'],
    ['ListVersionsByFunction20150331', 'ListVersionsByFunction'],
    ['ListFunctions20150331', 'ListFunctions'],
    ['DeleteFunction20150331', 'DeleteFunction'],
    ['UpdateFunctionConfiguration20150331v2', 'UpdateFunctionConfiguration'],
    // Other Lambda API versions and CloudFront's underscored dates.
    ['PublishLayerVersion20181031', 'PublishLayerVersion'],
    ['AddLayerVersionPermission20181031', 'AddLayerVersionPermission'],
    ['CreateEventSourceMapping20150331', 'CreateEventSourceMapping'],
    ['UpdateDistribution2020_05_31', 'UpdateDistribution'],
    ['CreateInvalidation2019_03_26', 'CreateInvalidation'],
    ['GetDistributionConfig2017_03_25', 'GetDistributionConfig'],
  ])('%s -> %s', (recorded, canonical) => {
    expect(canonicalEventName(recorded)).toBe(canonical);
  });

  it.each([
    'ListObjectsV2', // a name's own version number
    'DescribeIpv6Pools',
    'AssignIpv6Addresses',
    'GetObject',
    'CreateFunction2015033', // seven digits: not a date
    'Foo20151399', // month 13 is no date
    'Foo20150332', // day 32 is no date
    'Foo2015_13_01',
    'Foo19990331', // not this century
    'Foo20150331x', // not at the end
    'Foo20150331v', // a revision needs its number
    '20150331', // nothing left of the name
    'X_20150331', // not right after a letter
    'S3Get2', // short trailing digits
  ])('keeps %s as it is', (name) => {
    expect(canonicalEventName(name)).toBe(name);
  });

  const record = (eventSource: string, eventName: string) => ({
    eventVersion: '1.08',
    userIdentity: { type: 'IAMUser', arn: 'arn:aws:iam::123456789012:user/ops-bot', accountId: '123456789012', userName: 'ops-bot' },
    eventTime: '2026-11-20T10:00:00Z',
    eventSource,
    eventName,
    eventID: `id-${eventName}`,
    requestParameters: { functionName: 'billing-export' },
  });

  it('writes the canonical action and keeps the recorded name in attributes.eventName', () => {
    const e = one(record('lambda.amazonaws.com', 'UpdateFunctionCode20150331v2'));
    expect(e.action).toBe('lambda:UpdateFunctionCode');
    expect(e.attributes?.eventName).toBe('UpdateFunctionCode20150331v2');
  });

  it('adds no attributes.eventName when the name had no suffix', () => {
    const e = one(record('s3.amazonaws.com', 'ListObjectsV2'));
    expect(e.action).toBe('s3:ListObjectsV2');
    expect(e.attributes).not.toHaveProperty('eventName');
  });

  it('keeps Lambda permission changes privileged under the canonical name', () => {
    expect(one(record('lambda.amazonaws.com', 'AddPermission20150331v2')).privileged).toBe(true);
  });
});

describe('GCP: the authorizationInfo permission', () => {
  const entry = (protoPayload: object) => ({
    protoPayload: {
      '@type': 'type.googleapis.com/google.cloud.audit.AuditLog',
      authenticationInfo: { principalEmail: 'etl-loader@acme-data.iam.gserviceaccount.com' },
      serviceName: 'bigquery.googleapis.com',
      methodName: 'google.cloud.bigquery.v2.JobService.InsertJob',
      resourceName: 'projects/acme-data/jobs/nightly-42',
      ...protoPayload,
    },
    insertId: 'x1',
    timestamp: '2026-11-20T02:30:00Z',
    resource: { type: 'bigquery_project', labels: { project_id: 'acme-data' } },
  });

  it('is the action, prefixed with the service; the method name goes to attributes.methodName', () => {
    const e = one(entry({ authorizationInfo: [{ resource: 'projects/acme-data', permission: 'bigquery.jobs.create', granted: true }] }));
    expect(e.action).toBe('bigquery:bigquery.jobs.create');
    expect(e.attributes?.methodName).toBe('google.cloud.bigquery.v2.JobService.InsertJob');
    expect(e.attributes).not.toHaveProperty('permissions');
  });

  it('takes the first of several permissions and lists them all, without repeats', () => {
    const e = one(
      entry({
        serviceName: 'compute.googleapis.com',
        methodName: 'v1.compute.instances.insert',
        authorizationInfo: [
          { permission: 'compute.instances.create', granted: true },
          { permission: 'compute.disks.create', granted: true },
          { permission: 'compute.instances.create', granted: true },
          { permission: 'compute.subnetworks.use', granted: true },
        ],
      }),
    );
    expect(e.action).toBe('compute:compute.instances.create');
    expect(e.attributes?.permissions).toEqual(['compute.instances.create', 'compute.disks.create', 'compute.subnetworks.use']);
  });

  it('falls back to the method name without authorizationInfo, or when no entry names a well-formed permission', () => {
    for (const extra of [{}, { authorizationInfo: [] }, { authorizationInfo: [{ resource: 'x', granted: true }, { permission: '' }, { permission: 'not a permission' }, 'junk'] }]) {
      const e = one(entry(extra));
      expect(e.action).toBe('bigquery:google.cloud.bigquery.v2.JobService.InsertJob');
      expect(e.attributes?.methodName).toBe('google.cloud.bigquery.v2.JobService.InsertJob');
    }
  });

  it('skips entries without a permission to reach the first that has one', () => {
    const e = one(entry({ authorizationInfo: [{ resource: 'projects/acme-data', granted: true }, { permission: 'bigquery.tables.getData', granted: true }] }));
    expect(e.action).toBe('bigquery:bigquery.tables.getData');
  });

  it('marks a denied permission check as denied under the permission name', () => {
    const e = one(entry({ authorizationInfo: [{ permission: 'bigquery.jobs.create', granted: false }], status: { code: 7, message: 'PERMISSION_DENIED' } }));
    expect(e).toMatchObject({ action: 'bigquery:bigquery.jobs.create', outcome: 'denied' });
  });
});
