/**
 * CloudTrail output of the varied scenario: each AWS identity's event becomes a CloudTrail record
 * (as delivered one per line by EventBridge/Firehose pipelines) whose `eventID` is the event id,
 * so labels join on it. Kubernetes and GitHub identities keep their native events in the same
 * NDJSON, in the same order: `warden replay --format auto` reads both.
 */
import type { WardenEvent } from '../events/event.js';
import type { VariedDraft } from './varied/routine.js';

const DATA_EVENTS = new Set(['s3:GetObject', 's3:PutObject', 'lambda:Invoke', 'dynamodb:GetItem', 'dynamodb:Query', 'rds-data:ExecuteStatement']);

/**
 * Lambda's control-plane calls are recorded under the API version's name (the normalizer strips
 * it again: docs/formats.md); the versions are those of real records.
 */
const RECORDED_NAMES: Readonly<Record<string, string>> = {
  'lambda:CreateFunction': 'CreateFunction20150331',
  'lambda:DeleteFunction': 'DeleteFunction20150331',
  'lambda:ListFunctions': 'ListFunctions20150331',
  'lambda:ListVersionsByFunction': 'ListVersionsByFunction20150331',
  'lambda:GetFunction': 'GetFunction20150331v2',
  'lambda:UpdateFunctionCode': 'UpdateFunctionCode20150331v2',
  'lambda:UpdateFunctionConfiguration': 'UpdateFunctionConfiguration20150331v2',
  'lambda:AddPermission': 'AddPermission20150331v2',
  'lambda:RemovePermission': 'RemovePermission20150331v2',
};

function principalSuffix(name: string, prefix: string): string {
  let h = 0;
  for (const c of name) h = (Math.imul(h, 31) + c.charCodeAt(0)) >>> 0;
  return `${prefix}${h.toString(36).toUpperCase().padStart(7, 'X')}${name.length.toString(36).toUpperCase()}EXAMPLE`.slice(0, 21);
}

function userIdentity(e: WardenEvent, d: VariedDraft): Record<string, unknown> {
  const idn = d.idn;
  if (idn.principal === 'user') {
    return { type: 'IAMUser', principalId: principalSuffix(idn.name, 'AIDA'), arn: idn.id, accountId: idn.account, accessKeyId: d.tokenId, userName: idn.name };
  }
  const session = d.sessionName ?? 'botocore-session-1';
  const roleId = principalSuffix(idn.name, 'AROA');
  const day = `${e.time.slice(0, 10)}T00:00:00Z`;
  return {
    type: 'AssumedRole',
    principalId: `${roleId}:${session}`,
    arn: `arn:aws:sts::${idn.account}:assumed-role/${idn.name}/${session}`,
    accountId: idn.account,
    accessKeyId: d.tokenId,
    sessionContext: {
      sessionIssuer: { type: 'Role', principalId: roleId, arn: idn.id, accountId: idn.account, userName: idn.name },
      webIdFederationData: {},
      attributes: { creationDate: day, mfaAuthenticated: 'false' },
    },
  };
}

function resources(resource: string | undefined, account: string): Record<string, unknown>[] | undefined {
  if (!resource?.startsWith('arn:')) return undefined;
  if (resource.startsWith('arn:aws:s3:::')) {
    const path = resource.slice('arn:aws:s3:::'.length);
    const bucket = path.split('/')[0] ?? path;
    return path.includes('/')
      ? [{ type: 'AWS::S3::Object', ARN: resource }, { accountId: account, type: 'AWS::S3::Bucket', ARN: `arn:aws:s3:::${bucket}` }]
      : [{ accountId: account, type: 'AWS::S3::Bucket', ARN: resource }];
  }
  return [{ accountId: account, ARN: resource }];
}

/** One CloudTrail record for an AWS identity's event. */
export function toCloudTrailRecord(e: WardenEvent, d: VariedDraft): Record<string, unknown> {
  const [service = 'aws', name = e.action] = e.action.split(':');
  const eventName = RECORDED_NAMES[e.action] ?? name;
  const step = d.step;
  const record: Record<string, unknown> = {
    eventVersion: '1.09',
    userIdentity: userIdentity(e, d),
    eventTime: `${e.time.slice(0, 19)}Z`,
    eventSource: `${service}.amazonaws.com`,
    eventName,
    awsRegion: e.source?.region ?? d.idn.home.region,
    sourceIPAddress: e.source?.ip ?? 'AWS Internal',
    userAgent: e.source?.userAgent ?? '',
    requestParameters: step.request ?? null,
    responseElements: step.errorCode ? null : (step.response ?? null),
  };
  const additional = e.attributes?.additionalEventData;
  if (additional) record.additionalEventData = additional;
  if (step.errorCode) {
    record.errorCode = step.errorCode;
    record.errorMessage = step.errorCode === 'AccessDenied' ? `User: ${String((record.userIdentity as { arn: string }).arn)} is not authorized to perform: ${e.action}` : 'Rate exceeded';
  }
  record.requestID = e.id.split('').reverse().join('').toUpperCase();
  record.eventID = e.id;
  if (e.readOnly !== undefined) record.readOnly = e.readOnly;
  const res = resources(e.resource, d.idn.account);
  if (res) record.resources = res;
  const data = DATA_EVENTS.has(e.action);
  record.eventType = 'AwsApiCall';
  record.managementEvent = !data;
  record.recipientAccountId = d.idn.account;
  record.eventCategory = data ? 'Data' : 'Management';
  record.tlsDetails = { tlsVersion: 'TLSv1.3', cipherSuite: 'TLS_AES_128_GCM_SHA256', clientProvidedHostHeader: `${service}.${e.source?.region ?? 'us-east-1'}.amazonaws.com` };
  return record;
}

/** The NDJSON records of a varied simulation in CloudTrail format (native for non-AWS identities). */
export function cloudTrailRecords(events: readonly WardenEvent[], drafts: readonly VariedDraft[]): unknown[] {
  return events.map((e, i) => {
    const d = drafts[i];
    return d?.idn.platform === 'aws' ? toCloudTrailRecord(e, d) : e;
  });
}
