/** Routine work of the varied fleet: what each archetype does when it runs, and from where. */
import type { WardenEvent } from '../../events/event.js';
import type { Rng } from '../rng.js';
import type { Step, VariedIdentity } from './fleet.js';
import { copyStepFields } from '../step-fields.js';

export type Source = NonNullable<WardenEvent['source']>;
export type Outcome = NonNullable<WardenEvent['outcome']>;

/** An event before ids are assigned; `idn` and `step` keep what the CloudTrail writer needs. */
export interface VariedDraft {
  t: number;
  idn: VariedIdentity;
  step: Step;
  source: Source;
  tokenId: string;
  sessionName?: string;
  episode?: string;
  kind?: string;
  variant?: string;
  drift?: string;
}

const S3_DATA = new Set(['s3:GetObject', 's3:PutObject']);

export function s3Arn(bucket: string, key?: string): string {
  return `arn:aws:s3:::${bucket}${key ? `/${key}` : ''}`;
}

/** `arn:aws:<service>:<region>:<account>:<rest>` for this identity's account and region. */
export function arn(idn: VariedIdentity, service: string, rest: string): string {
  return `arn:aws:${service}:${idn.home.region}:${idn.account}:${rest}`;
}

export function iamArn(idn: VariedIdentity, rest: string): string {
  return `arn:aws:iam::${idn.account}:${rest}`;
}

/** A CloudTrail-shaped request for an S3 object call (bucketName + key). */
export function s3Step(action: string, bucket: string, key: string, bytes?: number): Step {
  const step: Step = { action, resource: s3Arn(bucket, key), request: { bucketName: bucket, key }, readOnly: action === 's3:GetObject' };
  if (bytes !== undefined) step.bytes = bytes;
  return step;
}

export function sqlStep(idn: VariedIdentity, sql: string, rows: number): Step {
  const cluster = arn(idn, 'rds', `cluster:${idn.subject}-db`);
  return { action: 'rds-data:ExecuteStatement', resource: cluster, rows, readOnly: /^select/i.test(sql), request: { resourceArn: cluster, database: idn.subject, sql } };
}

function k8sStep(verb: string, resource: string, ns: string | null, name: string | null, request?: Record<string, unknown>): Step {
  const path = `${ns ? `namespaces/${ns}/` : ''}${resource}${name ? `/${name}` : ''}`;
  const step: Step = { action: `k8s:${verb}:${resource}`, resource: path, readOnly: ['get', 'list', 'watch'].includes(verb) };
  if (request) step.request = request;
  return step;
}

export { k8sStep };

export function githubStep(action: string, repo: string, request?: Record<string, unknown>): Step {
  const step: Step = { action: `github:${action}`, resource: repo };
  if (request) step.request = request;
  return step;
}

/** The namespace a Kubernetes identity works in (from its service-account id). */
export function namespaceOf(idn: VariedIdentity): string {
  return idn.id.split(':')[2] ?? 'default';
}

export function orgOf(idn: VariedIdentity): string {
  return `acme-${idn.owner.replace(/^team-/, '')}`;
}

/** One routine run: the calls an identity makes each time it wakes up. */
export function routineRun(idn: VariedIdentity, rng: Rng): Step[] {
  const s = idn.subject;
  const k = idn.scale;
  const steps: Step[] = [];
  const times = (lo: number, hi: number, f: () => Step): void => {
    for (let i = rng.int(lo, Math.max(lo, Math.round(hi * Math.min(2, k)))); i > 0; i--) steps.push(f());
  };
  switch (idn.archetype) {
    case 'ci-deployer':
      steps.push({ action: 'sts:GetCallerIdentity', readOnly: true });
      steps.push({ action: 'ecr:GetAuthorizationToken', readOnly: true });
      steps.push({ action: 'ecr:BatchGetImage', resource: arn(idn, 'ecr', `repository/${s}`), readOnly: true, request: { repositoryName: s } });
      steps.push(s3Step('s3:PutObject', `${s}-artifacts`, `build-${rng.int(1000, 99999)}.tgz`, rng.around(20_000_000 * k)));
      steps.push({ action: 'ecs:RegisterTaskDefinition', resource: arn(idn, 'ecs', `task-definition/${s}:${rng.int(1, 400)}`), request: { family: s } });
      steps.push({ action: 'ecs:UpdateService', resource: arn(idn, 'ecs', `service/prod/${s}`), request: { cluster: 'prod', service: s } });
      times(2, 6, () => ({ action: 'ecs:DescribeServices', resource: arn(idn, 'ecs', `service/prod/${s}`), readOnly: true }));
      break;
    case 'etl-job':
      times(8, 25, () => s3Step('s3:GetObject', `${s}-raw`, `dt=2026-11-${String(rng.int(1, 28)).padStart(2, '0')}/part-${rng.int(0, 999)}.parquet`, rng.around(5_000_000 * k)));
      times(2, 8, () => sqlStep(idn, `INSERT INTO ${s}_facts SELECT * FROM staging_${s}`, rng.around(20_000 * k)));
      times(3, 10, () => s3Step('s3:PutObject', `${s}-curated`, `dt=2026-11-${String(rng.int(1, 28)).padStart(2, '0')}/out-${rng.int(0, 999)}.parquet`, rng.around(8_000_000 * k)));
      break;
    case 'backup-bot':
      steps.push({ action: 'rds:DescribeDBSnapshots', resource: arn(idn, 'rds', `db:${s}`), readOnly: true, request: { dBInstanceIdentifier: s } });
      steps.push({ action: 'rds:CreateDBSnapshot', resource: arn(idn, 'rds', `snapshot:${s}-${rng.int(1, 99999)}`), request: { dBInstanceIdentifier: s } });
      times(2, 6, () => s3Step('s3:PutObject', `${s}-backups`, `${rng.int(1, 99999)}.dump`, rng.around(800_000_000 * k)));
      steps.push({ action: 'rds:DeleteDBSnapshot', resource: arn(idn, 'rds', `snapshot:${s}-${rng.int(1, 99999)}`) });
      break;
    case 'monitor':
      steps.push({ action: 'monitoring:GetMetricData', readOnly: true });
      if (rng.chance(0.4)) steps.push({ action: 'ec2:DescribeInstances', readOnly: true });
      if (rng.chance(0.2)) steps.push({ action: 'monitoring:ListMetrics', readOnly: true });
      break;
    case 'chatops-bot':
      steps.push({ action: rng.pick(['ecs:DescribeServices', 'logs:FilterLogEvents', 'ecs:DescribeServices']), resource: arn(idn, 'ecs', `service/prod/${s}`), readOnly: true });
      if (rng.chance(0.25)) steps.push({ action: 'ecs:UpdateService', resource: arn(idn, 'ecs', `service/prod/${s}`), request: { cluster: 'prod', service: s, forceNewDeployment: true } });
      break;
    case 'terraform-runner':
      for (const a of ['ec2:DescribeVpcs', 'ec2:DescribeSubnets', 'ec2:DescribeSecurityGroups', 'iam:GetRole', 'iam:GetRolePolicy', 's3:GetBucketPolicy', 'rds:DescribeDBInstances']) {
        if (a.startsWith('iam:')) steps.push({ action: a, resource: iamArn(idn, `role/${s}-app`), readOnly: true, request: { roleName: `${s}-app` } });
        else if (a === 's3:GetBucketPolicy') steps.push({ action: a, resource: s3Arn(`${s}-artifacts`), readOnly: true, request: { bucketName: `${s}-artifacts` } });
        else steps.push({ action: a, readOnly: true });
      }
      if (rng.chance(0.4)) steps.push({ action: 'ec2:AuthorizeSecurityGroupIngress', resource: arn(idn, 'ec2', `security-group/sg-${s}`), request: { groupId: `sg-${s}`, ipPermissions: { items: [{ ipProtocol: 'tcp', fromPort: 443, toPort: 443 }] } } });
      if (rng.chance(0.3)) {
        const doc = JSON.stringify({ Version: '2012-10-17', Statement: [{ Effect: 'Allow', Action: ['s3:GetObject', 's3:PutObject'], Resource: `arn:aws:s3:::${s}-artifacts/*` }] });
        steps.push({ action: 'iam:PutRolePolicy', resource: iamArn(idn, `role/${s}-app`), privileged: true, request: { roleName: `${s}-app`, policyName: `${s}-artifacts`, policyDocument: doc } });
      }
      break;
    case 'data-api':
      times(1, 4, () => sqlStep(idn, `SELECT * FROM ${s} WHERE id = :id`, rng.int(1, Math.round(200 * k) + 1)));
      times(1, 5, () => ({ action: rng.pick(['dynamodb:GetItem', 'dynamodb:Query']), resource: arn(idn, 'dynamodb', `table/${s}`), readOnly: true, request: { tableName: s } }));
      if (rng.chance(0.3)) steps.push({ action: 'kms:Decrypt', resource: arn(idn, 'kms', `key/${s}-key`), readOnly: true });
      break;
    case 'report-job':
      steps.push({ action: 'athena:StartQueryExecution', resource: arn(idn, 'athena', 'workgroup/primary'), request: { queryString: `SELECT region, sum(total) FROM ${s} GROUP BY 1`, workGroup: 'primary' } });
      times(1, 4, () => ({ action: 'athena:GetQueryExecution', resource: arn(idn, 'athena', 'workgroup/primary'), readOnly: true }));
      steps.push({ action: 'athena:GetQueryResults', resource: arn(idn, 'athena', 'workgroup/primary'), readOnly: true, rows: rng.around(5_000 * k) });
      times(1, 3, () => s3Step('s3:GetObject', `${s}-athena-results`, `q-${rng.int(1, 99999)}.csv`, rng.around(2_000_000 * k)));
      steps.push(s3Step('s3:PutObject', `${s}-reports`, `daily-${rng.int(1, 99999)}.pdf`, rng.around(400_000)));
      break;
    case 'k8s-operator': {
      const ns = namespaceOf(idn);
      steps.push(k8sStep('list', rng.pick(['certificates', 'ingresses', 'services', 'pods']), ns, null));
      if (rng.chance(0.5)) steps.push(k8sStep('get', 'secrets', ns, `${s}-tls`));
      if (rng.chance(0.2)) steps.push(k8sStep('update', 'secrets', ns, `${s}-tls`, { kind: 'Secret', metadata: { name: `${s}-tls`, namespace: ns } }));
      if (rng.chance(0.3)) steps.push(k8sStep('create', 'events', ns, null, { kind: 'Event', reason: 'Issued' }));
      break;
    }
    case 'gitops-controller': {
      const ns = rng.pick([s, `${s}-staging`]);
      steps.push(k8sStep('list', 'deployments', ns, null));
      steps.push(k8sStep('get', 'configmaps', ns, `${s}-config`));
      if (rng.chance(0.3)) steps.push(k8sStep('patch', 'deployments', ns, s, { spec: { template: { metadata: { annotations: { 'kubectl.kubernetes.io/restartedAt': 'x' } } } } }));
      break;
    }
    case 'github-bot': {
      const repo = `${orgOf(idn)}/${rng.pick([s, `${s}-api`, `${s}-web`])}`;
      steps.push(githubStep('git.clone', repo));
      if (rng.chance(0.5)) steps.push(githubStep('git.push', repo, { branch: `renovate/${rng.pick(['node-20.x', 'lodash-4.x', 'terraform-aws-5.x'])}` }));
      if (rng.chance(0.3)) steps.push(githubStep('pull_request.create', repo));
      break;
    }
  }
  return [...steps, ...idn.extraSteps.filter(() => rng.chance(0.7))];
}

/** A host in one of the identity's usual /24s, with its usual user agent and workload. */
export function homeSource(idn: VariedIdentity, rng: Rng): Source {
  const h = idn.home;
  return { ip: `${rng.pick(h.nets)}.${rng.int(1, 254)}`, asn: h.network.asn, country: h.network.country, region: h.region, userAgent: h.userAgent, workload: h.workload };
}

/** The event body of one call by `idn`. */
export function eventBody(d: Pick<VariedDraft, 'idn' | 'step' | 'source' | 'tokenId' | 'sessionName'>): Omit<WardenEvent, 'id' | 'time'> {
  const { idn, step } = d;
  const type = idn.platform === 'aws' ? (idn.principal === 'user' ? 'user' : 'role') : idn.platform === 'k8s' ? 'service_account' : 'bot';
  const identity: WardenEvent['identity'] = { id: idn.id, type, tokenId: d.tokenId };
  if (d.sessionName) identity.sessionId = d.sessionName;
  const body: Omit<WardenEvent, 'id' | 'time'> = {
    identity,
    action: step.action,
    outcome: step.errorCode ? (/AccessDenied|Forbidden|Unauthorized/i.test(step.errorCode) ? 'denied' : 'failure') : 'success',
    source: d.source,
    environment: idn.env,
    privileged: step.privileged ?? false,
    sourceFormat: 'warden',
  };
  copyStepFields(body, step);
  const attributes: Record<string, unknown> = {};
  if (idn.platform === 'aws') attributes.account = idn.account;
  if (step.request) attributes.request = step.request;
  if (step.response) attributes.response = step.response;
  if (step.errorCode) attributes.errorCode = step.errorCode;
  if (S3_DATA.has(step.action) && step.bytes !== undefined) attributes.additionalEventData = step.action === 's3:GetObject' ? { bytesTransferredOut: step.bytes } : { bytesTransferredIn: step.bytes };
  if (Object.keys(attributes).length > 0) body.attributes = attributes;
  return body;
}
