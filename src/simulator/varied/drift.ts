/**
 * Benign drift of the varied scenario: legitimate change that looks alarming, labelled benign with
 * a `drift` field so false positives are measured on it honestly.
 */
import type { Rng } from '../rng.js';
import type { Step, VariedIdentity } from './fleet.js';
import { NETWORKS, newAccessKey, quietHours } from './fleet.js';
import type { VariedDraft } from './routine.js';
import { arn, homeSource, iamArn, s3Step } from './routine.js';

export const VARIED_DRIFT_KINDS = [
  'new-service-adoption', 'new-runner-network', 'new-identity', 'monthly-batch', 'token-rotation', 'new-api-call', 'schedule-shift', 'rare-read',
] as const;
export type VariedDriftKind = (typeof VARIED_DRIFT_KINDS)[number];

const MIN = 60_000;
const HOUR = 3_600_000;

export interface DriftContext {
  rng: Rng;
  fleet: readonly VariedIdentity[];
  spawn: (idn: VariedIdentity) => void;
  makeIdentity: (archetype: VariedIdentity['archetype'], firstDay: number) => VariedIdentity;
  day: number;
}

export interface DriftVariant {
  drift: VariedDriftKind;
  eligible: (idn: VariedIdentity) => boolean;
  /** Changes the identity from `day0` on and returns the extra events the change itself makes. */
  apply: (idn: VariedIdentity, day0: number, ctx: DriftContext) => VariedDraft[];
}

function workingStart(idn: VariedIdentity, day0: number, rng: Rng): number {
  return day0 + rng.pick(idn.schedule.hours) * HOUR + rng.int(0, 50) * MIN;
}

function burst(idn: VariedIdentity, t0: number, steps: Step[], rng: Rng): VariedDraft[] {
  const source = homeSource(idn, rng);
  let t = t0;
  return steps.map((step) => {
    const d: VariedDraft = { t, idn, step, source, tokenId: idn.token };
    t += rng.int(2_000, 40_000);
    return d;
  });
}

/** A deployer starts managing a new service: Terraform creates RDS, Lambda and IAM roles it never touched. */
function newServiceAdoption(idn: VariedIdentity, day0: number, ctx: DriftContext): VariedDraft[] {
  const { rng } = ctx;
  const svc = `${idn.subject}-${rng.pick(['notifier', 'reports', 'webhooks', 'search-sync'])}`;
  const policy = JSON.stringify({ Version: '2012-10-17', Statement: [{ Effect: 'Allow', Action: ['logs:CreateLogStream', 'logs:PutLogEvents'], Resource: '*' }] });
  const pool: Step[] = [
    { action: 'iam:CreateRole', resource: iamArn(idn, `role/${svc}-exec`), privileged: true, request: { roleName: `${svc}-exec`, assumeRolePolicyDocument: JSON.stringify({ Statement: [{ Effect: 'Allow', Principal: { Service: 'lambda.amazonaws.com' }, Action: 'sts:AssumeRole' }] }) } },
    { action: 'iam:PutRolePolicy', resource: iamArn(idn, `role/${svc}-exec`), privileged: true, request: { roleName: `${svc}-exec`, policyName: 'logs', policyDocument: policy } },
    { action: 'iam:PassRole', resource: iamArn(idn, `role/${svc}-exec`), request: { roleName: `${svc}-exec` } },
    { action: 'lambda:CreateFunction', resource: arn(idn, 'lambda', `function:${svc}`), request: { functionName: svc, runtime: 'nodejs20.x' } },
    { action: 'lambda:AddPermission', resource: arn(idn, 'lambda', `function:${svc}`), request: { functionName: svc } },
    { action: 'rds:CreateDBSubnetGroup', request: { dBSubnetGroupName: `${svc}-subnets` } },
    { action: 'rds:CreateDBInstance', resource: arn(idn, 'rds', `db:${svc}`), request: { dBInstanceIdentifier: svc, engine: 'postgres', dBInstanceClass: 'db.t4g.medium' } },
    { action: 'logs:CreateLogGroup', request: { logGroupName: `/aws/lambda/${svc}` } },
    { action: 'secretsmanager:CreateSecret', resource: arn(idn, 'secretsmanager', `secret:${svc}/db`), request: { name: `${svc}/db` } },
    { action: 'events:PutRule', request: { name: `${svc}-schedule`, scheduleExpression: 'rate(5 minutes)' } },
    { action: 'sqs:CreateQueue', request: { queueName: `${svc}-dlq` } },
  ];
  const steps = pool.filter(() => rng.chance(0.75));
  idn.extraSteps.push(
    { action: 'lambda:GetFunction', resource: arn(idn, 'lambda', `function:${svc}`), readOnly: true, request: { functionName: svc } },
    { action: 'lambda:UpdateFunctionCode', resource: arn(idn, 'lambda', `function:${svc}`), request: { functionName: svc } },
    { action: 'rds:DescribeDBInstances', resource: arn(idn, 'rds', `db:${svc}`), readOnly: true, request: { dBInstanceIdentifier: svc } },
  );
  return burst(idn, workingStart(idn, day0, rng), steps, rng);
}

/** CI moves to a new runner network (another provider's hosted pool or a new VPC). */
function newRunnerNetwork(idn: VariedIdentity, _day0: number, ctx: DriftContext): VariedDraft[] {
  const { rng } = ctx;
  const network = rng.pick(NETWORKS.filter((n) => n.asn !== idn.home.network.asn));
  idn.home = { ...idn.home, network, nets: Array.from({ length: rng.int(1, 4) }, () => `${network.prefix}.${rng.int(1, 250)}.${rng.int(0, 255)}`) };
  if (rng.chance(0.5)) idn.home.workload = rng.pick(['github-actions', 'gitlab-runner', 'buildkite-agent', 'actions-runner-controller']);
  return [];
}

/** A team's new identity starts work (learning period, then routine); sometimes Terraform creates its role first. */
function newIdentity(creator: VariedIdentity, day0: number, ctx: DriftContext): VariedDraft[] {
  const { rng } = ctx;
  const idn = ctx.makeIdentity(rng.pick(['etl-job', 'report-job', 'data-api', 'ci-deployer', 'k8s-operator', 'github-bot'] as const), ctx.day);
  idn.inventoried = rng.chance(0.7);
  idn.owner = creator.owner;
  ctx.spawn(idn);
  if (creator.platform !== 'aws' || idn.platform !== 'aws' || idn.principal !== 'role') return [];
  return burst(creator, workingStart(creator, day0, rng) - 30 * MIN, [
    { action: 'iam:CreateRole', resource: idn.id, privileged: true, request: { roleName: idn.name, assumeRolePolicyDocument: JSON.stringify({ Statement: [{ Effect: 'Allow', Principal: { Service: 'ecs-tasks.amazonaws.com' }, Action: 'sts:AssumeRole' }] }) }, response: { role: { arn: idn.id, roleName: idn.name } } },
    { action: 'iam:PutRolePolicy', resource: idn.id, privileged: true, request: { roleName: idn.name, policyName: 'app', policyDocument: JSON.stringify({ Statement: [{ Effect: 'Allow', Action: 's3:GetObject', Resource: `arn:aws:s3:::${idn.subject}-*/*` }] }) } },
  ], rng).map((d) => ({ ...d, drift: 'new-identity' }));
}

/** A once-a-month batch (month-end close, compliance export) at an odd hour, reading far more than usual. */
function monthlyBatch(idn: VariedIdentity, day0: number, ctx: DriftContext): VariedDraft[] {
  const { rng } = ctx;
  const quiet = quietHours(idn, 2);
  const t0 = day0 + rng.pick(quiet.length > 0 ? quiet : [2, 3, 4]) * HOUR + rng.int(0, 50) * MIN;
  const s = idn.subject;
  const steps: Step[] = [{ action: 'athena:StartQueryExecution', resource: arn(idn, 'athena', 'workgroup/month-end'), request: { queryString: `SELECT * FROM ${s}_ledger WHERE month = '2026-11'`, workGroup: 'month-end' } }];
  for (let i = rng.int(40, 250); i > 0; i--) steps.push(s3Step('s3:GetObject', `${s}-raw`, `month=2026-11/part-${rng.int(0, 9999)}.parquet`, rng.around(6_000_000 * idn.scale)));
  steps.push({ action: 'athena:GetQueryResults', resource: arn(idn, 'athena', 'workgroup/month-end'), readOnly: true, rows: rng.around(2_000_000) });
  for (let i = rng.int(2, 10); i > 0; i--) steps.push(s3Step('s3:PutObject', `${s}-reports`, `month-end/2026-11-${i}.csv`, rng.around(50_000_000)));
  return burst(idn, t0, steps, rng);
}

/** A user's access key is rotated: a new key is created, used from then on, and the old one deleted. */
function tokenRotation(idn: VariedIdentity, day0: number, ctx: DriftContext): VariedDraft[] {
  const { rng } = ctx;
  const old = idn.token;
  const key = newAccessKey(rng);
  const t0 = workingStart(idn, day0, rng) - rng.int(10, 60) * MIN;
  const user = idn.name;
  const out = burst(idn, t0, [{ action: 'iam:CreateAccessKey', resource: idn.id, privileged: true, request: { userName: user }, response: { accessKey: { accessKeyId: key, status: 'Active', userName: user } } }], rng);
  idn.token = key;
  idn.tokens.push(key);
  out.push(...burst(idn, t0 + rng.int(2, 60) * MIN, [
    { action: 'iam:UpdateAccessKey', resource: idn.id, request: { userName: user, accessKeyId: old, status: 'Inactive' } },
    { action: 'iam:DeleteAccessKey', resource: idn.id, request: { userName: user, accessKeyId: old } },
  ], rng));
  return out;
}

function newApiCall(idn: VariedIdentity, _day0: number, ctx: DriftContext): VariedDraft[] {
  const { rng } = ctx;
  const s = idn.subject;
  const step: Step = idn.platform === 'k8s'
    ? { action: 'k8s:get:leases', resource: `namespaces/${s}/leases/${s}-leader`, readOnly: true }
    : idn.platform === 'github'
      ? { action: 'github:workflows.created_workflow_run', resource: `acme/${s}` }
      : rng.pick<Step>([
          { action: 'sqs:SendMessage', resource: arn(idn, 'sqs', `${s}-events`), request: { queueUrl: `https://sqs.${idn.home.region}.amazonaws.com/${idn.account}/${s}-events` } },
          { action: 'ssm:GetParameter', resource: arn(idn, 'ssm', `parameter/${s}/feature-flags`), readOnly: true, request: { name: `/${s}/feature-flags` } },
          { action: 'logs:PutLogEvents', resource: arn(idn, 'logs', `log-group:/app/${s}`) },
        ]);
  idn.extraSteps.push(step);
  return [];
}

function scheduleShift(idn: VariedIdentity, _day0: number, ctx: DriftContext): VariedDraft[] {
  const by = ctx.rng.int(1, 4) * (ctx.rng.chance(0.5) ? 1 : -1);
  idn.schedule = { ...idn.schedule, hours: idn.schedule.hours.map((h) => (((h + by) % 24) + 24) % 24) };
  return [];
}

export const DRIFT_VARIANTS: readonly DriftVariant[] = [
  { drift: 'new-service-adoption', eligible: (i) => i.platform === 'aws' && ['ci-deployer', 'terraform-runner'].includes(i.archetype), apply: newServiceAdoption },
  { drift: 'new-runner-network', eligible: (i) => ['ci-deployer', 'terraform-runner', 'github-bot'].includes(i.archetype), apply: newRunnerNetwork },
  { drift: 'new-identity', eligible: (i) => i.archetype === 'terraform-runner' || i.firstDay === 0, apply: newIdentity },
  { drift: 'monthly-batch', eligible: (i) => i.platform === 'aws' && ['etl-job', 'report-job', 'data-api', 'backup-bot'].includes(i.archetype), apply: monthlyBatch },
  { drift: 'token-rotation', eligible: (i) => i.principal === 'user', apply: tokenRotation },
  { drift: 'new-api-call', eligible: () => true, apply: newApiCall },
  { drift: 'schedule-shift', eligible: (i) => i.schedule.type === 'nightly' || i.schedule.type === 'business', apply: scheduleShift },
];

/** Identity-wide drifts label the identity's routine events from then on; one-off drifts only their own events. */
export const LASTING_DRIFTS: ReadonlySet<string> = new Set(['new-service-adoption', 'new-runner-network', 'token-rotation', 'new-api-call', 'schedule-shift']);
