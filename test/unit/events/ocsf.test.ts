/**
 * OCSF API Activity (Security Lake) against raw CloudTrail: the same call read from either gives
 * the same identity, action, resource, outcome and source, so policies and baselines carry over.
 */
import { describe, expect, it } from 'vitest';
import { createNormalizer, formatNames } from '../../../src/events/index.js';
import type { WardenEvent } from '../../../src/events/index.js';

const origin = { file: 'ocsf.test', line: 1 };
const auto = createNormalizer();

function one(record: object, format = 'auto'): WardenEvent {
  const r = createNormalizer({ format })(JSON.stringify(record), origin);
  expect(r.rejects).toEqual([]);
  expect(r.events).toHaveLength(1);
  return r.events[0] as WardenEvent;
}

/** What policies, baselines and the knowledge pack read. */
function essentials(e: WardenEvent): object {
  const a = e.attributes ?? {};
  return {
    time: e.time, identity: e.identity, action: e.action, resource: e.resource, outcome: e.outcome, source: e.source,
    readOnly: e.readOnly, privileged: e.privileged, bytes: e.bytes,
    account: a.account, errorCode: a.errorCode, mfa: a.mfaAuthenticated, request: a.request, response: a.response, sourceHost: a.sourceHost,
  };
}

const ACCOUNT = '111122223333';
const bucketPolicy = {
  Version: '2012-10-17',
  Statement: [{ Effect: 'Allow', Principal: { AWS: 'arn:aws:iam::444455556666:root' }, Action: 's3:GetObject', Resource: 'arn:aws:s3:::acme-exports/*' }],
};

/** [what it is, raw CloudTrail record, the record as Security Lake stores it in OCSF]. */
const PAIRS: Array<[string, object, object]> = [
  [
    'an assumed role denied (OCSF 1.1)',
    {
      eventVersion: '1.09', eventTime: '2026-11-20T02:17:03Z', eventSource: 'iam.amazonaws.com', eventName: 'CreateAccessKey',
      userIdentity: {
        type: 'AssumedRole', principalId: 'AROAEXAMPLEID:ci-deploy-4711', arn: 'arn:aws:sts::111122223333:assumed-role/deployer/ci-deploy-4711',
        accountId: ACCOUNT, accessKeyId: 'ASIAEXAMPLEKEY1',
        sessionContext: { sessionIssuer: { type: 'Role', arn: 'arn:aws:iam::111122223333:role/ci/deployer' }, attributes: { mfaAuthenticated: 'false' } },
      },
      awsRegion: 'us-east-1', sourceIPAddress: '198.51.100.7', userAgent: 'aws-cli/2.15.0', errorCode: 'AccessDenied',
      requestParameters: { userName: 'admin' }, responseElements: null, eventID: 'e-1', readOnly: false, eventType: 'AwsApiCall',
      resources: [{ ARN: 'arn:aws:iam::111122223333:user/admin', accountId: ACCOUNT, type: 'AWS::IAM::User' }], recipientAccountId: ACCOUNT,
    },
    {
      class_uid: 6003, activity_id: 1, status: 'Failure', status_id: 2, time: Date.parse('2026-11-20T02:17:03Z'),
      metadata: { uid: 'e-1', version: '1.1.0', event_code: 'AwsApiCall', product: { name: 'CloudTrail', vendor_name: 'AWS' } },
      api: { operation: 'CreateAccessKey', service: { name: 'iam.amazonaws.com' }, request: { uid: 'r-1', data: { userName: 'admin' } }, response: { error: 'AccessDenied' } },
      actor: {
        user: {
          type: 'AssumedRole', uid: 'arn:aws:sts::111122223333:assumed-role/deployer/ci-deploy-4711', uid_alt: 'AROAEXAMPLEID:ci-deploy-4711',
          account: { uid: ACCOUNT }, credential_uid: 'ASIAEXAMPLEKEY1',
        },
        session: { issuer: 'arn:aws:iam::111122223333:role/ci/deployer', is_mfa: false },
      },
      cloud: { region: 'us-east-1', provider: 'AWS', account: { uid: ACCOUNT } }, src_endpoint: { ip: '198.51.100.7' },
      http_request: { user_agent: 'aws-cli/2.15.0' }, resources: [{ uid: 'arn:aws:iam::111122223333:user/admin', type: 'AWS::IAM::User' }],
      unmapped: { readOnly: 'false' },
    },
  ],
  [
    'an IAM user with MFA reading an object (bytes from additionalEventData)',
    {
      eventTime: '2026-11-20T03:00:00.250Z', eventSource: 's3.amazonaws.com', eventName: 'GetObject',
      userIdentity: {
        type: 'IAMUser', principalId: 'AIDAEXAMPLEUSER', arn: 'arn:aws:iam::111122223333:user/svc-backup', accountId: ACCOUNT,
        accessKeyId: 'AKIAEXAMPLEKEY2', userName: 'svc-backup', sessionContext: { attributes: { mfaAuthenticated: 'true' } },
      },
      awsRegion: 'eu-west-1', sourceIPAddress: '203.0.113.25', userAgent: 'Boto3/1.34.10', readOnly: true, eventID: 'e-2',
      requestParameters: { bucketName: 'acme-backups', key: 'db/dump' }, additionalEventData: { bytesTransferredOut: 1024 },
      vpcEndpointId: 'vpce-0a1b2c3d', recipientAccountId: ACCOUNT,
    },
    {
      class_uid: '6003', activity_id: 2, status: 'Success', status_id: 1, time: Date.parse('2026-11-20T03:00:00.250Z'),
      metadata: { uid: 'e-2', version: '1.1.0', product: { name: 'CloudTrail' } },
      api: { operation: 'GetObject', service: { name: 's3.amazonaws.com' } },
      actor: {
        user: { type: 'IAMUser', name: 'svc-backup', uid: 'arn:aws:iam::111122223333:user/svc-backup', uid_alt: 'AIDAEXAMPLEUSER', account: { uid: ACCOUNT }, credential_uid: 'AKIAEXAMPLEKEY2' },
        session: { is_mfa: true },
      },
      cloud: { region: 'eu-west-1', account: { uid: ACCOUNT } }, src_endpoint: { ip: '203.0.113.25', uid: 'vpce-0a1b2c3d' },
      http_request: { user_agent: 'Boto3/1.34.10' },
      unmapped: { requestParameters: '{"bucketName":"acme-backups","key":"db/dump"}', additionalEventData: '{"bytesTransferredOut":1024}' },
    },
  ],
  [
    'an AWS service (OCSF 1.0.0-rc.2)',
    {
      eventTime: '2026-11-20T04:00:00Z', eventSource: 'sts.amazonaws.com', eventName: 'AssumeRole',
      userIdentity: { type: 'AWSService', invokedBy: 'lambda.amazonaws.com' }, awsRegion: 'us-east-1',
      sourceIPAddress: 'lambda.amazonaws.com', userAgent: 'lambda.amazonaws.com', readOnly: true, eventID: 'e-3',
      requestParameters: { roleArn: 'arn:aws:iam::111122223333:role/etl', roleSessionName: 'etl' }, recipientAccountId: ACCOUNT,
    },
    {
      class_uid: 6003, activity_id: 99, status: 'Success', time: Date.parse('2026-11-20T04:00:00Z'),
      metadata: { uid: 'e-3', version: '1.0.0-rc.2', product: { name: 'CloudTrail' } },
      api: { operation: 'AssumeRole', service: { name: 'sts.amazonaws.com' } },
      actor: { invoked_by: 'lambda.amazonaws.com' }, cloud: { region: 'us-east-1', account_uid: ACCOUNT },
      src_endpoint: { domain: 'lambda.amazonaws.com' }, http_request: { user_agent: 'lambda.amazonaws.com' },
      unmapped: { readOnly: 'true', requestParameters: '{"roleArn":"arn:aws:iam::111122223333:role/etl","roleSessionName":"etl"}' },
    },
  ],
  [
    'a bucket policy in unmapped requestParameters (OCSF 1.0.0-rc.2 identity: uid principal id, uuid ARN)',
    {
      eventTime: '2026-11-20T05:00:00Z', eventSource: 's3.amazonaws.com', eventName: 'PutBucketPolicy',
      userIdentity: {
        type: 'AssumedRole', principalId: 'AROAEXP:run-88', arn: 'arn:aws:sts::111122223333:assumed-role/data-exporter/run-88', accountId: ACCOUNT,
        accessKeyId: 'ASIAEXAMPLEKEY5', sessionContext: { sessionIssuer: { arn: 'arn:aws:iam::111122223333:role/data-exporter' } },
      },
      awsRegion: 'eu-west-1', sourceIPAddress: '192.0.2.44', readOnly: false, eventID: 'e-4', recipientAccountId: ACCOUNT,
      requestParameters: { bucketName: 'acme-exports', bucketPolicy },
    },
    {
      class_uid: 6003, activity_id: 3, status: 'Success', time: Date.parse('2026-11-20T05:00:00Z'),
      metadata: { uid: 'e-4', version: '1.0.0-rc.2', product: { name: 'CloudTrail' } },
      api: { operation: 'PutBucketPolicy', service: { name: 's3.amazonaws.com' } },
      actor: {
        user: { type: 'AssumedRole', uid: 'AROAEXP:run-88', uuid: 'arn:aws:sts::111122223333:assumed-role/data-exporter/run-88', account_uid: ACCOUNT, credential_uid: 'ASIAEXAMPLEKEY5' },
        session: { issuer: 'arn:aws:iam::111122223333:role/data-exporter' },
      },
      cloud: { region: 'eu-west-1', account_uid: ACCOUNT }, src_endpoint: { ip: '192.0.2.44' },
      unmapped: { readOnly: 'false', requestParameters: JSON.stringify({ bucketName: 'acme-exports', bucketPolicy }) },
    },
  ],
];

describe('OCSF and CloudTrail give the same event', () => {
  it.each(PAIRS)('%s', (_what, cloudtrail, ocsf) => {
    const fromCloudTrail = one(cloudtrail);
    const fromOcsf = one(ocsf);
    expect(fromCloudTrail.sourceFormat).toBe('cloudtrail');
    expect(fromOcsf.sourceFormat).toBe('ocsf');
    expect(essentials(fromOcsf)).toEqual(essentials(fromCloudTrail));
    expect(fromOcsf.id).toBe(fromCloudTrail.id);
  });

  it('the bucket policy reaches attributes.request as an object the knowledge pack can walk', () => {
    const e = one((PAIRS[3] as [string, object, object])[2]);
    expect((e.attributes?.request as { bucketPolicy: typeof bucketPolicy }).bucketPolicy.Statement[0]?.Principal).toEqual({ AWS: 'arn:aws:iam::444455556666:root' });
  });
});

describe('ocsf normalizer', () => {
  const apiCall = (PAIRS[0] as [string, object, object])[2] as Record<string, unknown>;

  it('is a built-in format that --format accepts', () => {
    expect(formatNames()).toContain('ocsf');
    expect(one(apiCall, 'ocsf').action).toBe('iam:CreateAccessKey');
  });

  it('reads a failure that gives only status_id as failure, not success', () => {
    const e = one({ ...apiCall, api: { operation: 'UpdateItem', service: { name: 'dynamodb.amazonaws.com' } }, status_code: 'ConditionalCheckFailedException' });
    expect(e.outcome).toBe('failure');
    expect(e.attributes?.errorCode).toBe('ConditionalCheckFailedException');
    const bare = one({ ...apiCall, api: { operation: 'UpdateItem', service: { name: 'dynamodb.amazonaws.com' } } });
    expect(bare.outcome).toBe('failure');
    expect(bare.attributes?.errorCode).toBeUndefined();
  });

  it('takes readOnly from activity_id when unmapped does not say', () => {
    const { unmapped: _u, ...rest } = apiCall;
    expect(one({ ...rest, activity_id: 2 }).readOnly).toBe(true);
    expect(one({ ...rest, activity_id: 4 }).readOnly).toBe(false);
    expect(one({ ...rest, activity_id: 99 }).readOnly).toBeUndefined();
  });

  it('tells the identity type from the ARN when actor.user.type is absent', () => {
    const e = one({ ...apiCall, actor: { user: { uid: 'arn:aws:sts::111122223333:assumed-role/deployer/s-1' } } });
    expect(e.identity).toEqual({ id: 'arn:aws:iam::111122223333:role/deployer', type: 'role', sessionId: 's-1' });
  });

  it('reads an Account Change (3001) record carrying api.operation as the API call it is', () => {
    const e = one({ ...apiCall, class_uid: 3001, class_name: 'Account Change' });
    expect(e.action).toBe('iam:CreateAccessKey');
    expect(e.attributes?.ocsfClass).toBe(3001);
  });

  it('rejects other classes as UNKNOWN_FORMAT naming the class, read as ocsf', () => {
    const r = auto(JSON.stringify({ class_uid: 2004, category_uid: 2, metadata: { version: '1.1.0' }, finding_info: { title: 'x' }, time: 1795141023000 }), origin);
    expect(r.events).toEqual([]);
    expect(r.rejects).toHaveLength(1);
    expect(r.rejects[0]).toMatchObject({ reason: 'UNKNOWN_FORMAT', format: 'ocsf' });
    expect(r.rejects[0]?.message).toContain('OCSF class 2004 (Detection Finding)');
  });

  it('a user mapping declared for an OCSF class wins over the built-in reader', () => {
    const normalize = createNormalizer({
      events: {
        mappings: [{
          name: 'sl-network', detect: [{ field: 'class_uid', equals: 4001 }],
          fields: { id: 'metadata.uid', time: 'time', identity: 'src_endpoint.instance_uid', action: 'activity_name' },
        }],
      },
    });
    const r = normalize(JSON.stringify({ class_uid: 4001, metadata: { uid: 'n-1' }, time: 1795141023000, src_endpoint: { instance_uid: 'i-0abc' }, activity_name: 'Traffic' }), origin);
    expect(r.rejects).toEqual([]);
    expect(r.events[0]?.sourceFormat).toBe('sl-network');
  });

  it('keeps the OCSF record, not the rebuilt CloudTrail one, when events.keepRaw is set', () => {
    const r = createNormalizer({ events: { keepRaw: true } })(JSON.stringify(apiCall), origin);
    expect(r.events[0]?.raw).toEqual(apiCall);
  });

  it('normalizes a JSON array of records element by element', () => {
    const r = auto(JSON.stringify([apiCall, { ...apiCall, metadata: { uid: 'e-9' } }, { ...apiCall, actor: {} }]), origin);
    expect(r.events.map((e) => e.id)).toEqual(['e-1', 'e-9']);
    expect(r.rejects.map((x) => x.reason)).toEqual(['MISSING_IDENTITY']);
  });

  it('forced on a raw CloudTrail record, rejects it instead of guessing', () => {
    const r = createNormalizer({ format: 'ocsf' })(JSON.stringify((PAIRS[0] as [string, object, object])[1]), origin);
    expect(r.events).toEqual([]);
    expect(r.rejects[0]?.reason).toBe('UNKNOWN_FORMAT');
    expect(r.rejects[0]?.message).toContain('without a class_uid');
  });
});
