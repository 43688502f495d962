/**
 * Attack variants of the varied scenario. Each draws its parameters at random (counts, sizes,
 * gaps, sources, targets) so that no variant is one fixed pattern, and each is labelled with its
 * `kind` (what the attacker achieves) and `variant` (how).
 */
import type { Rng } from '../rng.js';
import type { Step, VariedIdentity } from './fleet.js';
import { hasDailyPattern, quietHours } from './fleet.js';
import type { Source, VariedDraft } from './routine.js';
import { arn, githubStep, iamArn, k8sStep, namespaceOf, orgOf, routineRun, s3Step, sqlStep } from './routine.js';
import { foreignSubject, insideSource, newNetworkSource, sameNetworkOtherHost } from './sources.js';

export interface AttackContext {
  rng: Rng;
  fleet: readonly VariedIdentity[];
  /** Identities created for an episode (a role made by another identity) join the fleet here. */
  spawn: (idn: VariedIdentity) => void;
  makeIdentity: (archetype: VariedIdentity['archetype'], firstDay: number) => VariedIdentity;
  day: number;
}

/** Where in the day an episode starts: within the victim's working hours, or in its quiet hours. */
export type Timing = 'working' | 'quiet';

export interface AttackVariant {
  kind: string;
  variant: string;
  timing: Timing;
  eligible: (idn: VariedIdentity) => boolean;
  draw: (idn: VariedIdentity, t0: number, ctx: AttackContext) => VariedDraft[];
}

const MIN = 60_000;
const HOUR = 3_600_000;
const ADMIN_POLICY = 'arn:aws:iam::aws:policy/AdministratorAccess';

/** Collects an episode's drafts with a moving clock. */
class Episode {
  readonly out: VariedDraft[] = [];
  constructor(public t: number, private readonly idn: VariedIdentity) {}

  add(step: Step, source: Source, gapMs: number, idn: VariedIdentity = this.idn): void {
    this.out.push({ t: this.t, idn, step, source, tokenId: idn.token });
    this.t += gapMs;
  }
}

const aws = (i: VariedIdentity): boolean => i.platform === 'aws';
const any = (): boolean => true;

/** Quiet calls an attacker makes to find and read what the identity should not touch. */
function unusualQuietStep(idn: VariedIdentity, ctx: AttackContext): Step {
  const { rng } = ctx;
  const other = foreignSubject(idn, ctx.fleet, rng);
  if (idn.platform === 'k8s') {
    return rng.pick([
      k8sStep('get', 'secrets', rng.pick([other, 'kube-system', 'payments', 'vault']), `${other}-${rng.pick(['db', 'api', 'tls'])}`),
      k8sStep('list', 'secrets', null, null),
      k8sStep('get', 'configmaps', other, `${other}-config`),
      k8sStep('list', 'serviceaccounts', rng.pick([other, 'kube-system']), null),
    ]);
  }
  if (idn.platform === 'github') {
    return rng.pick([
      githubStep('git.clone', `${orgOf(idn)}/${other}-${rng.pick(['infra', 'secrets', 'terraform'])}`),
      githubStep('git.fetch', `${orgOf(idn)}/${other}`),
      githubStep('repo.download_zip', `${orgOf(idn)}/${other}-${rng.pick(['infra', 'deploy'])}`),
    ]);
  }
  return rng.pick<() => Step>([
    () => ({ action: 'secretsmanager:GetSecretValue', resource: arn(idn, 'secretsmanager', `secret:${other}/${rng.pick(['db', 'api-key', 'stripe'])}-${rng.int(100, 999)}`), readOnly: true, request: { secretId: `${other}/${rng.pick(['db', 'api-key'])}` } }),
    () => ({ action: 'ssm:GetParameter', resource: arn(idn, 'ssm', `parameter/${other}/password`), readOnly: true, request: { name: `/${other}/password`, withDecryption: true } }),
    () => s3Step('s3:GetObject', `${other}-${rng.pick(['exports', 'finance', 'hr'])}`, `doc-${rng.int(1, 9999)}.pdf`, rng.around(200_000)),
    () => ({ action: 's3:ListObjectsV2', resource: `arn:aws:s3:::${other}-exports`, readOnly: true, request: { bucketName: `${other}-exports` } }),
    () => ({ action: 'iam:ListAttachedRolePolicies', resource: idn.id, readOnly: true, request: { roleName: idn.name } }),
    () => ({ action: 'ec2:DescribeSnapshots', readOnly: true }),
    () => ({ action: 'kms:Decrypt', resource: arn(idn, 'kms', `key/${other}-key`), readOnly: true }),
  ])();
}

function routineSteps(idn: VariedIdentity, rng: Rng, n: number): Step[] {
  const out: Step[] = [];
  while (out.length < n) out.push(...routineRun(idn, rng));
  return out.slice(0, n);
}

function stolenInside(idn: VariedIdentity, t0: number, ctx: AttackContext): VariedDraft[] {
  const { rng } = ctx;
  const ep = new Episode(t0, idn);
  const src = insideSource(idn, rng);
  const unusual = rng.int(3, 12);
  const blend = rng.next();
  for (let i = 0; i < unusual; i++) {
    if (rng.chance(blend * 0.6)) for (const s of routineSteps(idn, rng, rng.int(1, 3))) ep.add(s, src, rng.int(2_000, 30_000));
    ep.add(unusualQuietStep(idn, ctx), src, rng.int(5_000, 120_000));
  }
  return ep.out;
}

function stolenNewSource(idn: VariedIdentity, t0: number, ctx: AttackContext): VariedDraft[] {
  const { rng } = ctx;
  const ep = new Episode(t0, idn);
  const src = newNetworkSource(idn, ctx.fleet, rng);
  if (aws(idn) && rng.chance(0.6)) ep.add({ action: 'sts:GetCallerIdentity', readOnly: true }, src, rng.int(5_000, 60_000));
  for (let i = rng.int(3, 10); i > 0; i--) ep.add(rng.chance(0.4) ? routineSteps(idn, rng, 1)[0]! : unusualQuietStep(idn, ctx), src, rng.int(3_000, 90_000));
  return ep.out;
}

function bulkExfil(idn: VariedIdentity, t0: number, ctx: AttackContext): VariedDraft[] {
  const { rng } = ctx;
  const ep = new Episode(t0, idn);
  const src = rng.chance(0.5) ? insideSource(idn, rng) : newNetworkSource(idn, ctx.fleet, rng);
  const bucket = `${rng.chance(0.5) ? idn.subject : foreignSubject(idn, ctx.fleet, rng)}-${rng.pick(['customers', 'exports', 'pii', 'raw'])}`;
  for (let i = rng.int(3, 10); i > 0; i--) ep.add(s3Step('s3:GetObject', bucket, `dump-${rng.int(1, 999)}.${rng.pick(['csv', 'parquet', 'sql.gz'])}`, rng.around(rng.int(1, 8) * 1_000_000_000)), src, rng.int(10_000, 120_000));
  return ep.out;
}

/** Typical bytes one routine run of the identity reads (sampled; 0 for identities that read none). */
function typicalReadBytes(idn: VariedIdentity, rng: Rng): { perRun: number; perEvent: number } {
  let total = 0;
  let n = 0;
  for (let r = 0; r < 5; r++) {
    for (const s of routineRun(idn, rng)) {
      if (s.readOnly && s.bytes) {
        total += s.bytes;
        n++;
      }
    }
  }
  return { perRun: total / 5, perEvent: n > 0 ? total / n : 0 };
}

function manySmallReads(idn: VariedIdentity, t0: number, ctx: AttackContext): VariedDraft[] {
  const { rng } = ctx;
  const ep = new Episode(t0, idn);
  const src = rng.chance(0.7) ? insideSource(idn, rng) : newNetworkSource(idn, ctx.fleet, rng);
  const norm = typicalReadBytes(idn, rng);
  // Each read at or below the identity's usual object size; together far above a day's reading.
  const perRead = Math.max(20_000, Math.min(norm.perEvent > 0 ? norm.perEvent * (0.3 + rng.next() * 0.7) : 400_000, 2_000_000));
  const runs = Math.max(1, idn.schedule.runsPerDay || 24);
  const dailyNorm = norm.perRun * runs;
  const count = Math.min(900, Math.max(rng.int(150, 400), Math.ceil((dailyNorm * (5 + rng.next() * 15)) / perRead)));
  const spanMs = rng.int(20, 90) * MIN;
  const bucket = `${rng.chance(0.5) ? idn.subject : foreignSubject(idn, ctx.fleet, rng)}-${rng.pick(['customers', 'exports', 'invoices', 'raw'])}`;
  for (let i = 0; i < count; i++) ep.add(s3Step('s3:GetObject', bucket, `${rng.pick(['2025', '2026'])}/${rng.int(1, 12)}/rec-${rng.int(1, 999_999)}.json`, rng.around(perRead, 0.3)), src, Math.round((spanMs / count) * (0.2 + rng.next() * 1.6)));
  return ep.out;
}

function selectDrip(idn: VariedIdentity, t0: number, ctx: AttackContext): VariedDraft[] {
  const { rng } = ctx;
  const ep = new Episode(t0, idn);
  const src = rng.chance(0.7) ? insideSource(idn, rng) : newNetworkSource(idn, ctx.fleet, rng);
  const table = rng.pick(['customers', 'payments', 'users', 'cards', idn.subject]);
  const page = rng.pick([100, 200, 500, 1000]);
  const count = rng.int(150, 500);
  const spanMs = rng.int(20, 120) * MIN;
  for (let i = 0; i < count; i++) ep.add(sqlStep(idn, `SELECT * FROM ${table} ORDER BY id LIMIT ${page} OFFSET ${i * page}`, page), src, Math.round((spanMs / count) * (0.2 + rng.next() * 1.6)));
  return ep.out;
}

function offHours(idn: VariedIdentity, t0: number, ctx: AttackContext): VariedDraft[] {
  const { rng } = ctx;
  const ep = new Episode(t0, idn);
  for (let r = rng.int(1, 3); r > 0; r--) {
    const src = insideSource(idn, rng);
    for (const s of routineRun(idn, rng)) ep.add(s, src, rng.int(1_000, 15_000));
    ep.t += rng.int(5, 40) * MIN;
  }
  return ep.out;
}

function slowAndLow(idn: VariedIdentity, t0: number, ctx: AttackContext): VariedDraft[] {
  const { rng } = ctx;
  const out: VariedDraft[] = [];
  const src = rng.chance(0.7) ? insideSource(idn, rng) : newNetworkSource(idn, ctx.fleet, rng);
  const hours = rng.int(6, 30);
  const perHour = rng.int(1, 4);
  for (let h = 0; h < hours; h++) {
    const n = rng.int(Math.max(0, perHour - 1), perHour);
    const times = Array.from({ length: n }, () => t0 + h * HOUR + rng.int(0, HOUR - 1)).sort((a, b) => a - b);
    for (const t of times) out.push({ t, idn, step: unusualQuietStep(idn, ctx), source: src, tokenId: idn.token });
  }
  return out;
}

function tokenSharing(sameNetwork: boolean) {
  return (idn: VariedIdentity, t0: number, ctx: AttackContext): VariedDraft[] => {
    const { rng } = ctx;
    const out: VariedDraft[] = [];
    const second = sameNetwork ? sameNetworkOtherHost(idn, ctx.fleet, rng) : newNetworkSource(idn, ctx.fleet, rng);
    const span = rng.int(30, 240) * MIN;
    const secondCalls = rng.int(4, 25);
    const unusualShare = rng.next() * 0.5;
    // The second workload: mostly the identity's own calls, some not.
    for (let i = 0; i < secondCalls; i++) {
      const step = rng.chance(unusualShare) ? unusualQuietStep(idn, ctx) : routineSteps(idn, rng, 1)[0]!;
      out.push({ t: t0 + rng.int(0, span), idn, step, source: second, tokenId: idn.token });
    }
    // The legitimate workload keeps using the same token in the same window. Its calls are part of
    // the incident too: the credential is compromised and every use of it should be flagged.
    const legitRuns = rng.int(2, 6);
    for (let r = 0; r < legitRuns; r++) {
      let t = t0 + rng.int(0, span);
      const src = insideSource(idn, rng);
      for (const s of routineRun(idn, rng)) {
        out.push({ t, idn, step: s, source: src, tokenId: idn.token });
        t += rng.int(1_000, 15_000);
      }
    }
    return out.sort((a, b) => a.t - b.t);
  };
}

function escalationSource(idn: VariedIdentity, ctx: AttackContext): Source {
  return ctx.rng.chance(0.6) ? insideSource(idn, ctx.rng) : newNetworkSource(idn, ctx.fleet, ctx.rng);
}

function awsRecon(idn: VariedIdentity, ep: Episode, src: Source, rng: Rng): void {
  for (let i = rng.int(0, 3); i > 0; i--) ep.add({ action: rng.pick(['iam:GetRole', 'iam:ListAttachedRolePolicies', 'iam:ListRoles', 'iam:GetAccountAuthorizationDetails']), resource: idn.id, readOnly: true, request: { roleName: idn.name } }, src, rng.int(3_000, 60_000));
}

function useNewPrivileges(idn: VariedIdentity, ep: Episode, src: Source, ctx: AttackContext): void {
  for (let i = ctx.rng.int(1, 4); i > 0; i--) ep.add(unusualQuietStep(idn, ctx), src, ctx.rng.int(5_000, 120_000));
}

function attachAdmin(idn: VariedIdentity, t0: number, ctx: AttackContext): VariedDraft[] {
  const { rng } = ctx;
  const ep = new Episode(t0, idn);
  const src = escalationSource(idn, ctx);
  awsRecon(idn, ep, src, rng);
  const roleName = rng.chance(0.6) ? idn.name : `${foreignSubject(idn, ctx.fleet, rng)}-app`;
  ep.add({ action: 'iam:AttachRolePolicy', resource: iamArn(idn, `role/${roleName}`), privileged: true, request: { roleName, policyArn: ADMIN_POLICY } }, src, rng.int(10_000, 300_000));
  useNewPrivileges(idn, ep, src, ctx);
  return ep.out;
}

function putInlineAdmin(idn: VariedIdentity, t0: number, ctx: AttackContext): VariedDraft[] {
  const { rng } = ctx;
  const ep = new Episode(t0, idn);
  const src = escalationSource(idn, ctx);
  awsRecon(idn, ep, src, rng);
  const roleName = rng.chance(0.6) ? idn.name : `${foreignSubject(idn, ctx.fleet, rng)}-app`;
  const doc = JSON.stringify({ Version: '2012-10-17', Statement: [{ Effect: 'Allow', Action: rng.pick(['*', 'iam:*', 's3:*']), Resource: '*' }] });
  ep.add({ action: 'iam:PutRolePolicy', resource: iamArn(idn, `role/${roleName}`), privileged: true, request: { roleName, policyName: rng.pick(['ops-access', 'debug', `${idn.subject}-extra`, 'AllowAll']), policyDocument: doc } }, src, rng.int(10_000, 300_000));
  useNewPrivileges(idn, ep, src, ctx);
  return ep.out;
}

function accessKeyForOther(idn: VariedIdentity, t0: number, ctx: AttackContext): VariedDraft[] {
  const { rng } = ctx;
  const ep = new Episode(t0, idn);
  const src = escalationSource(idn, ctx);
  const users = ctx.fleet.filter((f) => f.principal === 'user' && f.id !== idn.id);
  const userName = users.length > 0 && rng.chance(0.7) ? rng.pick(users).name : rng.pick(['admin', 'break-glass', 'jenkins', 'deploy']);
  if (rng.chance(0.5)) ep.add({ action: 'iam:ListUsers', readOnly: true }, src, rng.int(5_000, 60_000));
  if (rng.chance(0.4)) ep.add({ action: 'iam:ListAccessKeys', resource: iamArn(idn, `user/${userName}`), readOnly: true, request: { userName } }, src, rng.int(5_000, 60_000));
  const key = `AKIA${String(rng.int(10 ** 11, 10 ** 12 - 1))}ABCD`;
  ep.add({ action: 'iam:CreateAccessKey', resource: iamArn(idn, `user/${userName}`), privileged: true, request: { userName }, response: { accessKey: { accessKeyId: key, status: 'Active', userName, createDate: 'x' } } }, src, rng.int(10_000, 300_000));
  return ep.out;
}

function clusterAdminBinding(idn: VariedIdentity, t0: number, ctx: AttackContext): VariedDraft[] {
  const { rng } = ctx;
  const ep = new Episode(t0, idn);
  const src = escalationSource(idn, ctx);
  if (rng.chance(0.6)) ep.add(k8sStep('list', 'clusterrolebindings', null, null), src, rng.int(3_000, 60_000));
  const name = rng.pick(['debug-admin', 'tmp-binding', `${idn.subject}-ops`, 'system-upgrade']);
  const [, , ns, sa] = idn.id.split(':');
  ep.add(k8sStep('create', 'clusterrolebindings', null, name, {
    kind: 'ClusterRoleBinding', apiVersion: 'rbac.authorization.k8s.io/v1', metadata: { name },
    roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'ClusterRole', name: 'cluster-admin' },
    subjects: [{ kind: 'ServiceAccount', name: sa ?? 'default', namespace: ns ?? 'default' }],
  }), src, rng.int(5_000, 120_000));
  useNewPrivileges(idn, ep, src, ctx);
  return ep.out;
}

function podsExec(idn: VariedIdentity, t0: number, ctx: AttackContext): VariedDraft[] {
  const { rng } = ctx;
  const ep = new Episode(t0, idn);
  const src = escalationSource(idn, ctx);
  const ns = rng.chance(0.5) ? namespaceOf(idn) : foreignSubject(idn, ctx.fleet, rng);
  const pod = `${rng.pick(['api', 'db', 'worker'])}-${rng.int(1000, 9999)}-${rng.pick(['x7k2p', 'b9q4z', 'm3n8r'])}`;
  if (rng.chance(0.7)) ep.add(k8sStep('list', 'pods', ns, null), src, rng.int(3_000, 40_000));
  for (let i = rng.int(1, 3); i > 0; i--) {
    ep.add({ ...k8sStep('create', 'pods/exec', ns, null), resource: `namespaces/${ns}/pods/${pod}/exec`, request: { command: rng.pick([['sh'], ['/bin/bash'], ['cat', '/var/run/secrets/kubernetes.io/serviceaccount/token']]), container: 'app', stdin: true, tty: true } }, src, rng.int(10_000, 300_000));
  }
  return ep.out;
}

function branchProtectionRemoved(idn: VariedIdentity, t0: number, ctx: AttackContext): VariedDraft[] {
  const { rng } = ctx;
  const ep = new Episode(t0, idn);
  const src = escalationSource(idn, ctx);
  const repo = `${orgOf(idn)}/${rng.chance(0.6) ? idn.subject : foreignSubject(idn, ctx.fleet, rng)}`;
  const branch = rng.pick(['main', 'master', 'release']);
  ep.add(githubStep('protected_branch.destroy', repo, { branch, name: branch }), src, rng.int(10_000, 120_000));
  for (let i = rng.int(1, 3); i > 0; i--) ep.add(githubStep('git.push', repo, { branch }), src, rng.int(5_000, 120_000));
  return ep.out;
}

/** An identity in its first days (a new identity joining the fleet) is abused while still learning. */
function duringLearning(idn: VariedIdentity, t0: number, ctx: AttackContext): VariedDraft[] {
  const { rng } = ctx;
  const ep = new Episode(t0, idn);
  const src = rng.chance(0.6) ? insideSource(idn, rng) : newNetworkSource(idn, ctx.fleet, rng);
  for (const s of routineSteps(idn, rng, rng.int(0, 3))) ep.add(s, src, rng.int(2_000, 20_000));
  for (let i = rng.int(4, 12); i > 0; i--) ep.add(unusualQuietStep(idn, ctx), src, rng.int(5_000, 90_000));
  return ep.out;
}

/** Another identity creates a role; minutes later the new role acts (an identity that only attacks). */
function createdRole(creator: VariedIdentity, t0: number, ctx: AttackContext): VariedDraft[] {
  const { rng } = ctx;
  const ep = new Episode(t0, creator);
  const creatorSrc = rng.chance(0.6) ? insideSource(creator, rng) : newNetworkSource(creator, ctx.fleet, rng);
  const role = ctx.makeIdentity(rng.pick(['etl-job', 'report-job', 'data-api'] as const), ctx.day);
  role.principal = 'role';
  // Half the time the name follows a team's convention and a team glob in the inventory covers it.
  role.inventoried = false;
  if (rng.chance(0.5)) role.name = rng.pick(['ops', 'tmp', 'svc', 'lambda']) + `-${rng.pick(['sync', 'runner', 'helper'])}-${rng.int(10, 99)}`;
  role.id = iamArn(creator, `role/${role.name}`);
  role.home = { ...creator.home, userAgent: rng.chance(0.5) ? creator.home.userAgent : role.home.userAgent };
  ctx.spawn(role);
  const trust = JSON.stringify({ Version: '2012-10-17', Statement: [{ Effect: 'Allow', Principal: { AWS: creator.id }, Action: 'sts:AssumeRole' }] });
  ep.add({ action: 'iam:CreateRole', resource: role.id, privileged: true, request: { roleName: role.name, assumeRolePolicyDocument: trust }, response: { role: { arn: role.id, roleName: role.name, roleId: `AROA${rng.int(10 ** 11, 10 ** 12 - 1)}` } } }, creatorSrc, rng.int(5_000, 60_000));
  if (rng.chance(0.7)) ep.add({ action: 'iam:AttachRolePolicy', resource: role.id, privileged: true, request: { roleName: role.name, policyArn: rng.pick([ADMIN_POLICY, 'arn:aws:iam::aws:policy/AmazonS3ReadOnlyAccess', 'arn:aws:iam::aws:policy/SecretsManagerReadWrite']) } }, creatorSrc, rng.int(5_000, 60_000));
  ep.t += rng.int(1, 15) * MIN;
  const roleSrc = rng.chance(0.5) ? creatorSrc : newNetworkSource(creator, ctx.fleet, rng);
  for (let i = rng.int(3, 12); i > 0; i--) ep.add(unusualQuietStep(role, ctx), roleSrc, rng.int(3_000, 90_000), role);
  return ep.out;
}

function recon(idn: VariedIdentity, t0: number, ctx: AttackContext): VariedDraft[] {
  const { rng } = ctx;
  const ep = new Episode(t0, idn);
  const src = rng.chance(0.5) ? insideSource(idn, rng) : newNetworkSource(idn, ctx.fleet, rng);
  const denied = rng.next() * 0.4;
  const pool = idn.platform === 'aws'
    ? ['iam:ListUsers', 'iam:ListRoles', 's3:ListBuckets', 'ec2:DescribeInstances', 'rds:DescribeDBInstances', 'lambda:ListFunctions', 'secretsmanager:ListSecrets', 'kms:ListKeys', 'dynamodb:ListTables', 'organizations:DescribeOrganization']
    : idn.platform === 'k8s' ? ['k8s:list:namespaces', 'k8s:list:secrets', 'k8s:list:pods', 'k8s:list:clusterroles', 'k8s:list:nodes', 'k8s:get:configmaps'] : ['github:org.list_members', 'github:git.clone', 'github:repo.access'];
  for (let i = rng.int(6, 25); i > 0; i--) {
    const step: Step = { action: rng.pick(pool), readOnly: true };
    if (rng.chance(denied)) step.errorCode = idn.platform === 'aws' ? 'AccessDenied' : 'Forbidden';
    ep.add(step, src, rng.int(1_000, 30_000));
  }
  return ep.out;
}

function destructive(idn: VariedIdentity, t0: number, ctx: AttackContext): VariedDraft[] {
  const { rng } = ctx;
  const ep = new Episode(t0, idn);
  const src = escalationSource(idn, ctx);
  const s = rng.chance(0.5) ? idn.subject : foreignSubject(idn, ctx.fleet, rng);
  const pool: Step[] = idn.platform === 'k8s'
    ? [k8sStep('delete', 'deployments', s, s), k8sStep('delete', 'persistentvolumeclaims', s, `${s}-data`), k8sStep('delete', 'namespaces', null, s)]
    : [
        { action: 's3:DeleteBucket', resource: `arn:aws:s3:::${s}-backups`, request: { bucketName: `${s}-backups` } },
        { action: 'rds:DeleteDBInstance', resource: arn(idn, 'rds', `db:${s}`), privileged: true, request: { dBInstanceIdentifier: s, skipFinalSnapshot: true } },
        { action: 'ec2:TerminateInstances', request: { instancesSet: { items: [{ instanceId: `i-0${rng.int(10 ** 9, 10 ** 10)}` }] } } },
        { action: 'dynamodb:DeleteTable', resource: arn(idn, 'dynamodb', `table/${s}`), request: { tableName: s } },
        { action: 'kms:ScheduleKeyDeletion', resource: arn(idn, 'kms', `key/${s}-key`), request: { keyId: `${s}-key`, pendingWindowInDays: 7 } },
      ];
  for (let i = rng.int(2, 6); i > 0; i--) ep.add(rng.pick(pool), src, rng.int(3_000, 60_000));
  return ep.out;
}

function failureBurst(idn: VariedIdentity, t0: number, ctx: AttackContext): VariedDraft[] {
  const { rng } = ctx;
  const ep = new Episode(t0, idn);
  const src = rng.chance(0.5) ? insideSource(idn, rng) : newNetworkSource(idn, ctx.fleet, rng);
  for (let i = rng.int(5, 20); i > 0; i--) {
    const step = unusualQuietStep(idn, ctx);
    ep.add({ ...step, errorCode: idn.platform === 'aws' ? 'AccessDenied' : 'Forbidden' }, src, rng.int(1_000, 20_000));
  }
  return ep.out;
}

function lateral(idn: VariedIdentity, t0: number, ctx: AttackContext): VariedDraft[] {
  const { rng } = ctx;
  const ep = new Episode(t0, idn);
  const src = insideSource(idn, rng);
  const target = `${foreignSubject(idn, ctx.fleet, rng)}-${rng.pick(['admin', 'deploy', 'ops'])}`;
  const otherAccount = rng.chance(0.5) ? idn.account : String(rng.int(10 ** 11, 10 ** 12 - 1));
  ep.add({ action: 'sts:AssumeRole', resource: `arn:aws:iam::${otherAccount}:role/${target}`, request: { roleArn: `arn:aws:iam::${otherAccount}:role/${target}`, roleSessionName: rng.pick(['botocore-session', 'ops', `${idn.subject}`]) } }, src, rng.int(10_000, 60_000));
  for (let i = rng.int(2, 6); i > 0; i--) ep.add(unusualQuietStep(idn, ctx), src, rng.int(5_000, 90_000));
  return ep.out;
}

const canEscalate = (i: VariedIdentity): boolean => aws(i) && ['ci-deployer', 'terraform-runner', 'chatops-bot', 'etl-job', 'data-api'].includes(i.archetype);

export const ATTACK_VARIANTS: readonly AttackVariant[] = [
  { kind: 'stolen-credential', variant: 'inside-network', timing: 'working', eligible: any, draw: stolenInside },
  { kind: 'stolen-credential', variant: 'new-source', timing: 'working', eligible: any, draw: stolenNewSource },
  { kind: 'exfiltration', variant: 'bulk', timing: 'working', eligible: aws, draw: bulkExfil },
  { kind: 'exfiltration', variant: 'many-small-reads', timing: 'working', eligible: aws, draw: manySmallReads },
  { kind: 'exfiltration', variant: 'select-drip', timing: 'working', eligible: aws, draw: selectDrip },
  { kind: 'off-hours', variant: 'routine-at-wrong-hour', timing: 'quiet', eligible: (i) => hasDailyPattern(i) && quietHours(i).length > 0, draw: offHours },
  { kind: 'slow-and-low', variant: 'quiet-unusual-reads', timing: 'working', eligible: any, draw: slowAndLow },
  { kind: 'token-sharing', variant: 'second-workload-same-network', timing: 'working', eligible: any, draw: tokenSharing(true) },
  { kind: 'token-sharing', variant: 'second-workload-other-network', timing: 'working', eligible: any, draw: tokenSharing(false) },
  { kind: 'privilege-escalation', variant: 'attach-admin-policy', timing: 'working', eligible: canEscalate, draw: attachAdmin },
  { kind: 'privilege-escalation', variant: 'put-inline-admin-policy', timing: 'working', eligible: canEscalate, draw: putInlineAdmin },
  { kind: 'privilege-escalation', variant: 'access-key-for-other-user', timing: 'working', eligible: canEscalate, draw: accessKeyForOther },
  { kind: 'privilege-escalation', variant: 'k8s-cluster-admin-binding', timing: 'working', eligible: (i) => i.platform === 'k8s', draw: clusterAdminBinding },
  { kind: 'privilege-escalation', variant: 'k8s-pods-exec', timing: 'working', eligible: (i) => i.platform === 'k8s', draw: podsExec },
  { kind: 'privilege-escalation', variant: 'github-branch-protection-removed', timing: 'working', eligible: (i) => i.platform === 'github', draw: branchProtectionRemoved },
  { kind: 'learning-period', variant: 'new-identity-abused-early', timing: 'working', eligible: any, draw: duringLearning },
  { kind: 'learning-period', variant: 'role-created-then-used', timing: 'working', eligible: (i) => aws(i) && ['terraform-runner', 'ci-deployer', 'chatops-bot'].includes(i.archetype), draw: createdRole },
  { kind: 'reconnaissance', variant: 'enumerate', timing: 'working', eligible: any, draw: recon },
  { kind: 'destructive', variant: 'delete-resources', timing: 'working', eligible: (i) => i.platform !== 'github', draw: destructive },
  { kind: 'failure-burst', variant: 'denied-probing', timing: 'working', eligible: any, draw: failureBurst },
  { kind: 'lateral-movement', variant: 'assume-role', timing: 'working', eligible: aws, draw: lateral },
];
