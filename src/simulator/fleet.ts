/** The simulated fleet: six kinds of machine identity, each with a routine. */
import type { WardenEvent } from '../events/event.js';
import type { Rng } from './rng.js';

export type IdentityKind = 'ci-deployer' | 'etl-job' | 'backup-bot' | 'monitor' | 'chatops-bot' | 'terraform-runner';
export const KINDS: readonly IdentityKind[] = ['ci-deployer', 'etl-job', 'backup-bot', 'monitor', 'chatops-bot', 'terraform-runner'];

export interface Home {
  asn: string;
  country: string;
  region: string;
  /** First three octets of the usual /24s. */
  nets: string[];
  /** Hosted CI: every run comes from a random runner in a large pool. */
  hosted: boolean;
  userAgent: string;
  workload: string;
}

/** One step of a routine run: an action on a resource, with optional volume. */
export interface Step {
  action: string;
  resource: string;
  bytes?: number;
  rows?: number;
  privileged?: boolean;
  readOnly?: boolean;
}

export interface SimIdentity {
  id: string;
  kind: IdentityKind;
  owner: string;
  env: string;
  tokenId: string;
  home: Home;
  /** UTC hours when runs start, and whether weekends are active. */
  hours: number[];
  weekends: boolean;
  runsPerDay: number;
  /** Builds one routine run (a list of steps) for this identity. */
  extraSteps: Step[];
  /** Resource name fragment this identity works on (its app, dataset or cluster). */
  subject: string;
}

const TEAMS = ['team-platform', 'team-data', 'team-sre', 'team-payments', 'team-search'];

export function makeIdentity(kind: IdentityKind, index: number, rng: Rng): SimIdentity {
  const subject = `${rng.pick(['orders', 'billing', 'search', 'users', 'catalog', 'ledger'])}${index}`;
  const region = rng.pick(['eu-west-1', 'us-east-1', 'eu-central-1']);
  const cloudNet = `10.${rng.int(1, 250)}.${rng.int(0, 255)}`;
  const base = { id: `${kind}-${index}`, kind, owner: rng.pick(TEAMS), env: rng.chance(0.7) ? 'prod' : 'staging', tokenId: `AKIA${(index * 7919 + 1000003).toString(36).toUpperCase()}`, extraSteps: [], subject };
  const selfHosted = (ua: string, workload: string): Home => ({ asn: 'AS16509', country: rng.pick(['IE', 'US', 'DE']), region, nets: [cloudNet], hosted: false, userAgent: ua, workload });
  switch (kind) {
    case 'ci-deployer': {
      const hosted = rng.chance(0.5);
      const home: Home = hosted
        ? { asn: 'AS8075', country: 'US', region, nets: [], hosted: true, userAgent: 'aws-cli/2.15.1 Python/3.11', workload: 'github-actions' }
        : selfHosted('aws-cli/2.15.1 Python/3.11', 'ci-runner');
      return { ...base, home, hours: range(8, 19), weekends: false, runsPerDay: rng.int(3, 8) };
    }
    case 'etl-job':
      return { ...base, home: selfHosted('Boto3/1.34.0 Python/3.12', 'etl-worker'), hours: [rng.int(0, 4)], weekends: true, runsPerDay: 1 };
    case 'backup-bot':
      return { ...base, home: selfHosted('aws-sdk-go/1.50', 'backup-cron'), hours: [rng.int(1, 5)], weekends: true, runsPerDay: 1 };
    case 'monitor':
      return { ...base, home: selfHosted('prometheus-exporter/0.9', 'monitoring'), hours: range(0, 23), weekends: true, runsPerDay: 96 };
    case 'chatops-bot':
      return { ...base, home: selfHosted('hubot/3.3', 'chatops'), hours: range(7, 20), weekends: false, runsPerDay: rng.int(8, 20) };
    case 'terraform-runner':
      return { ...base, home: selfHosted('terraform/1.9.5', 'atlantis'), hours: range(9, 18), weekends: false, runsPerDay: rng.int(2, 5) };
  }
}

function range(a: number, b: number): number[] {
  const out: number[] = [];
  for (let h = a; h <= b; h++) out.push(h);
  return out;
}

/** The routine run of an identity (the steps it takes every time it wakes up). */
export function routineRun(idn: SimIdentity, rng: Rng): Step[] {
  const s = idn.subject;
  const bucket = `arn:aws:s3:::${s}`;
  const steps: Step[] = [];
  switch (idn.kind) {
    case 'ci-deployer':
      steps.push({ action: 'sts:GetCallerIdentity', resource: '', readOnly: true });
      steps.push({ action: 'ecr:GetAuthorizationToken', resource: '*', readOnly: true });
      steps.push({ action: 'ecr:BatchGetImage', resource: `arn:aws:ecr:::repository/${s}`, readOnly: true });
      steps.push({ action: 's3:PutObject', resource: `${bucket}-artifacts/build-${rng.int(1000, 99999)}.tgz`, bytes: rng.around(20_000_000) });
      steps.push({ action: 'ecs:RegisterTaskDefinition', resource: `arn:aws:ecs:::task-definition/${s}` });
      steps.push({ action: 'ecs:UpdateService', resource: `arn:aws:ecs:::service/prod/${s}` });
      for (let i = rng.int(2, 6); i > 0; i--) steps.push({ action: 'ecs:DescribeServices', resource: `arn:aws:ecs:::service/prod/${s}`, readOnly: true });
      break;
    case 'etl-job':
      for (let i = rng.int(10, 20); i > 0; i--) steps.push({ action: 's3:GetObject', resource: `${bucket}-raw/dt=${rng.int(1, 28)}/part-${rng.int(0, 999)}.parquet`, bytes: rng.around(5_000_000), readOnly: true });
      for (let i = rng.int(3, 8); i > 0; i--) steps.push({ action: 'rds-data:ExecuteStatement', resource: `arn:aws:rds:::db/${s}-warehouse`, rows: rng.around(20_000) });
      for (let i = rng.int(5, 10); i > 0; i--) steps.push({ action: 's3:PutObject', resource: `${bucket}-curated/dt=${rng.int(1, 28)}/out-${rng.int(0, 999)}.parquet`, bytes: rng.around(8_000_000) });
      break;
    case 'backup-bot':
      steps.push({ action: 'rds:DescribeDBSnapshots', resource: `arn:aws:rds:::db/${s}`, readOnly: true });
      steps.push({ action: 'rds:CreateDBSnapshot', resource: `arn:aws:rds:::snapshot/${s}-${rng.int(1, 99999)}` });
      for (let i = rng.int(3, 6); i > 0; i--) steps.push({ action: 's3:PutObject', resource: `${bucket}-backups/${rng.int(1, 99999)}.dump`, bytes: rng.around(800_000_000) });
      steps.push({ action: 'rds:DeleteDBSnapshot', resource: `arn:aws:rds:::snapshot/${s}-${rng.int(1, 99999)}` });
      break;
    case 'monitor':
      steps.push({ action: 'cloudwatch:GetMetricData', resource: '*', readOnly: true });
      if (rng.chance(0.5)) steps.push({ action: 'ec2:DescribeInstances', resource: '*', readOnly: true });
      break;
    case 'chatops-bot':
      steps.push({ action: rng.pick(['ecs:DescribeServices', 'logs:FilterLogEvents', 'ecs:DescribeServices']), resource: `arn:aws:ecs:::service/prod/${s}`, readOnly: true });
      if (rng.chance(0.3)) steps.push({ action: 'ecs:UpdateService', resource: `arn:aws:ecs:::service/prod/${s}` });
      break;
    case 'terraform-runner':
      for (const a of ['ec2:DescribeVpcs', 'ec2:DescribeSubnets', 'ec2:DescribeSecurityGroups', 'iam:GetRole', 'iam:GetRolePolicy', 's3:GetBucketPolicy', 'rds:DescribeDBInstances']) {
        steps.push({ action: a, resource: `arn:aws:${a.split(':')[0] ?? ''}:::${s}/${a.split(':')[1] ?? ''}`, readOnly: true });
      }
      if (rng.chance(0.5)) steps.push({ action: 'ec2:AuthorizeSecurityGroupIngress', resource: `arn:aws:ec2:::${s}/sg` });
      if (rng.chance(0.4)) steps.push({ action: 'iam:PutRolePolicy', resource: `arn:aws:iam:::role/${s}-app`, privileged: true });
      if (rng.chance(0.2)) steps.push({ action: 'ec2:DeleteSecurityGroup', resource: `arn:aws:ec2:::${s}/sg` });
      break;
  }
  return [...steps, ...idn.extraSteps.filter(() => rng.chance(0.7))];
}

/** Network fields for one run from the identity's home. */
export function homeSource(idn: SimIdentity, rng: Rng): NonNullable<WardenEvent['source']> {
  const h = idn.home;
  const ip = h.hosted ? `20.${rng.int(1, 250)}.${rng.int(0, 255)}.${rng.int(1, 254)}` : `${rng.pick(h.nets)}.${rng.int(1, 254)}`;
  return { ip, asn: h.asn, country: h.country, region: h.region, userAgent: h.userAgent, workload: h.workload };
}
