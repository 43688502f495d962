/** Attack episodes and benign drift: what each does to the event stream. */
import type { WardenEvent } from '../events/event.js';
import type { Rng } from './rng.js';
import type { SimIdentity, Step } from './fleet.js';
import { homeSource } from './fleet.js';
import { copyStepFields } from './step-fields.js';

export const ATTACK_KINDS = [
  'stolen-credential', 'privilege-escalation', 'reconnaissance', 'exfiltration', 'off-hours',
  'token-sharing', 'destructive', 'slow-and-low', 'failure-burst', 'lateral-movement',
] as const;
export type AttackKind = (typeof ATTACK_KINDS)[number];

export const DRIFT_KINDS = ['new-deploy-target', 'ip-migration', 'schedule-shift', 'new-api-call', 'rare-read'] as const;
export type DriftKind = (typeof DRIFT_KINDS)[number];

/** An event before ids are assigned: time in ms plus the event body. */
export interface DraftEvent {
  t: number;
  body: Omit<WardenEvent, 'id' | 'time'>;
  episode?: string;
  kind?: AttackKind;
  drift?: DriftKind;
}

type Source = NonNullable<WardenEvent['source']>;

const ATTACKER_NETS = [
  { asn: 'AS14061', country: 'NL', prefix: '167.99' },
  { asn: 'AS16276', country: 'FR', prefix: '51.38' },
  { asn: 'AS9009', country: 'RO', prefix: '185.220' },
  { asn: 'AS24940', country: 'DE', prefix: '95.216' },
];

function attackerSource(idn: SimIdentity, rng: Rng, ua: string): Source {
  const n = rng.pick(ATTACKER_NETS);
  return { ip: `${n.prefix}.${rng.int(0, 255)}.${rng.int(1, 254)}`, asn: n.asn, country: n.country, region: idn.home.region, userAgent: ua };
}

function ev(idn: SimIdentity, step: Step, source: Source, outcome: 'success' | 'failure' | 'denied' = 'success'): DraftEvent['body'] {
  const body: DraftEvent['body'] = {
    identity: { id: idn.id, type: 'service_account', tokenId: idn.tokenId },
    action: step.action,
    outcome,
    source,
    environment: idn.env,
    privileged: step.privileged ?? false,
    sourceFormat: 'warden',
  };
  copyStepFields(body, step);
  return body;
}

/** The events of one attack episode starting at `t0` against `idn`. */
export function attackEvents(kind: AttackKind, idn: SimIdentity, t0: number, rng: Rng, episode: string): DraftEvent[] {
  const s = idn.subject;
  const out: DraftEvent[] = [];
  let t = t0;
  const add = (step: Step, source: Source, gapMs: number, outcome: 'success' | 'failure' | 'denied' = 'success'): void => {
    out.push({ t, body: ev(idn, step, source, outcome), episode, kind });
    t += gapMs;
  };
  const inside = homeSource(idn, rng);
  const other = (n: number): string => rng.pick(['orders', 'billing', 'users', 'payroll', 'secrets', 'customers']) + String(n);
  switch (kind) {
    case 'stolen-credential': {
      const src = attackerSource(idn, rng, rng.pick(['python-requests/2.31', 'Boto3/1.34.0 Python/3.12', 'curl/8.4']));
      add({ action: 'sts:GetCallerIdentity', resource: '' }, src, 20_000);
      for (let i = 0; i < 6; i++) add({ action: rng.pick(['s3:ListBuckets', 's3:GetObject', 'ecr:BatchGetImage', 'secretsmanager:ListSecrets']), resource: `arn:aws:s3:::${s}-artifacts/x${i}` }, src, rng.int(10_000, 90_000));
      break;
    }
    case 'privilege-escalation':
      for (const a of ['iam:CreateUser', 'iam:AttachUserPolicy', 'iam:CreateAccessKey', 'iam:PutUserPolicy', 'iam:CreateLoginProfile']) add({ action: a, resource: `arn:aws:iam:::user/svc-${s}-x`, privileged: true }, inside, rng.int(5_000, 60_000));
      break;
    case 'reconnaissance':
      for (let i = 0; i < 14; i++) {
        const a = rng.pick(['iam:ListUsers', 'iam:ListRoles', 's3:ListBuckets', 'ec2:DescribeInstances', 'rds:DescribeDBInstances', 'lambda:ListFunctions', 'secretsmanager:ListSecrets', 'kms:ListKeys', 'dynamodb:ListTables']);
        add({ action: a, resource: `arn:aws:${a.split(':')[0] ?? ''}:::${other(i)}`, readOnly: true }, inside, rng.int(2_000, 20_000), rng.chance(0.3) ? 'denied' : 'success');
      }
      break;
    case 'exfiltration':
      for (let i = 0; i < 6; i++) add({ action: 's3:GetObject', resource: `arn:aws:s3:::${s}-${rng.pick(['customers', 'exports', 'pii'])}/dump-${i}.csv`, bytes: rng.around(6_000_000_000), readOnly: true }, inside, rng.int(10_000, 60_000));
      break;
    case 'off-hours': {
      const src: Source = { ip: `198.51.${rng.int(0, 255)}.${rng.int(1, 254)}`, asn: 'AS64500', country: idn.home.country, region: idn.home.region, userAgent: 'aws-cli/2.13.0 Python/3.11' };
      for (const step of routineStepsSample(idn, rng, 6)) add(step, src, rng.int(30_000, 180_000));
      break;
    }
    case 'token-sharing': {
      const src = attackerSource(idn, rng, idn.home.userAgent);
      for (const step of routineStepsSample(idn, rng, 6)) {
        add(step, src, 1_000);
        // The legitimate job keeps running at the same time from its home. Its calls belong to the
        // incident too: the credential is compromised, and every use of it should be flagged.
        out.push({ t, body: ev(idn, step, inside), episode, kind });
        t += rng.int(10_000, 40_000);
      }
      break;
    }
    case 'destructive':
      for (const a of ['s3:DeleteBucket', 'rds:DeleteDBInstance', 'ec2:TerminateInstances', 'dynamodb:DeleteTable', 's3:DeleteObject']) add({ action: a, resource: `arn:aws:${a.split(':')[0] ?? ''}:::${s}-prod`, privileged: a.startsWith('rds') }, inside, rng.int(5_000, 40_000));
      break;
    case 'slow-and-low': {
      const src = attackerSource(idn, rng, idn.home.userAgent);
      for (let i = 0; i < 8; i++) add({ action: 's3:GetObject', resource: `arn:aws:s3:::${s}-${rng.pick(['finance', 'hr', 'contracts'])}/doc-${i}.pdf`, bytes: rng.around(300_000), readOnly: true }, src, rng.int(20, 60) * 60_000);
      break;
    }
    case 'failure-burst':
      for (let i = 0; i < 10; i++) {
        const a = rng.pick(['secretsmanager:GetSecretValue', 'kms:Decrypt', 'iam:PassRole', 's3:GetObject', 'ssm:GetParameter']);
        add({ action: a, resource: `arn:aws:${a.split(':')[0] ?? ''}:::${other(i)}` }, inside, rng.int(2_000, 10_000), 'denied');
      }
      break;
    case 'lateral-movement': {
      const region = rng.pick(['ap-southeast-1', 'sa-east-1', 'us-west-2'].filter((r) => r !== idn.home.region));
      const src: Source = { ...inside, region };
      add({ action: 'sts:AssumeRole', resource: `arn:aws:iam::999999999999:role/${other(1)}-admin` }, src, 10_000);
      for (const a of ['ec2:DescribeInstances', 'ssm:SendCommand', 'rds:DescribeDBInstances', 'secretsmanager:GetSecretValue', 'ec2:RunInstances']) add({ action: a, resource: `arn:aws:${a.split(':')[0] ?? ''}:${region}::${other(2)}` }, src, rng.int(10_000, 60_000));
      break;
    }
  }
  return out;
}

function routineStepsSample(idn: SimIdentity, rng: Rng, n: number): Step[] {
  // Re-use the identity's own vocabulary: the attacker blends in with known actions.
  const steps: Step[] = [];
  const s = idn.subject;
  const vocab: Record<string, Step[]> = {
    'ci-deployer': [{ action: 'ecr:BatchGetImage', resource: `arn:aws:ecr:::repository/${s}` }, { action: 'ecs:DescribeServices', resource: `arn:aws:ecs:::service/prod/${s}` }],
    'etl-job': [{ action: 's3:GetObject', resource: `arn:aws:s3:::${s}-raw/dt=1/part-1.parquet`, bytes: 5_000_000 }],
    'backup-bot': [{ action: 'rds:DescribeDBSnapshots', resource: `arn:aws:rds:::db/${s}` }],
    monitor: [{ action: 'cloudwatch:GetMetricData', resource: '*' }],
    'chatops-bot': [{ action: 'ecs:DescribeServices', resource: `arn:aws:ecs:::service/prod/${s}` }],
    'terraform-runner': [{ action: 'iam:GetRole', resource: `arn:aws:iam:::${s}/GetRole` }, { action: 'ec2:DescribeVpcs', resource: `arn:aws:ec2:::${s}/DescribeVpcs` }],
  };
  const pool = vocab[idn.kind] ?? [];
  for (let i = 0; i < n; i++) steps.push(rng.pick(pool));
  return steps;
}

export { ev as eventBody };
