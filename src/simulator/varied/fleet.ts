/**
 * The varied scenario's fleet: AWS, Kubernetes and GitHub machine identities with randomised
 * homes (networks, user agents, workloads) and schedules (24/7, business hours in a time zone,
 * nightly, hourly). Every network and user agent an attacker may use is one some benign
 * identity of the same fleet also uses, so no value is an artefact of the simulator alone.
 */
import type { Rng } from '../rng.js';

export type Platform = 'aws' | 'k8s' | 'github';

export type Archetype =
  | 'ci-deployer' | 'etl-job' | 'backup-bot' | 'monitor' | 'chatops-bot' | 'terraform-runner' | 'data-api' | 'report-job'
  | 'k8s-operator' | 'gitops-controller' | 'github-bot';

export const ARCHETYPES: readonly Archetype[] = [
  'ci-deployer', 'etl-job', 'backup-bot', 'monitor', 'chatops-bot', 'terraform-runner', 'data-api', 'report-job',
  'k8s-operator', 'gitops-controller', 'github-bot',
];

export interface Network {
  asn: string;
  country: string;
  /** First two octets; hosts get the last two at random within the network's /24s. */
  prefix: string;
}

/** Networks benign identities live in; attackers "from a new source" pick one the victim never used. */
export const NETWORKS: readonly Network[] = [
  { asn: 'AS16509', country: 'IE', prefix: '10' },
  { asn: 'AS16509', country: 'US', prefix: '172' },
  { asn: 'AS8075', country: 'US', prefix: '20' },
  { asn: 'AS36459', country: 'US', prefix: '140' },
  { asn: 'AS14061', country: 'NL', prefix: '167' },
  { asn: 'AS24940', country: 'DE', prefix: '95' },
  { asn: 'AS15169', country: 'US', prefix: '34' },
];

export interface Home {
  network: Network;
  /** The /24s (three octets) the identity's calls come from. */
  nets: string[];
  userAgent: string;
  workload: string;
  region: string;
}

export type ScheduleType = 'always' | 'business' | 'nightly' | 'hourly';

export interface Schedule {
  type: ScheduleType;
  /** UTC hours in which runs start (derived from local hours and the time-zone offset). */
  hours: number[];
  /** Time-zone offset of the owning team in hours (business hours are local). */
  tz: number;
  weekends: boolean;
  runsPerDay: number;
  /** For `always`: minutes between runs. */
  everyMinutes: number;
}

/** One call of a routine or an episode. `request` looks like CloudTrail `requestParameters`. */
export interface Step {
  action: string;
  resource?: string;
  bytes?: number;
  rows?: number;
  readOnly?: boolean;
  privileged?: boolean;
  request?: Record<string, unknown>;
  response?: Record<string, unknown>;
  /** Set for failed calls: `AccessDenied` (denied) or a service error (failure). */
  errorCode?: string;
}

export interface VariedIdentity {
  id: string;
  name: string;
  platform: Platform;
  archetype: Archetype;
  owner: string;
  env: string;
  account: string;
  /** AWS principal kind: a role's calls are assumed-role sessions, a user's carry its access key. */
  principal: 'role' | 'user' | 'serviceaccount' | 'app';
  /** Every credential issued (the first is the one in use until a rotation). */
  tokens: string[];
  token: string;
  home: Home;
  schedule: Schedule;
  /** Day the identity first acts (0 for the original fleet, later for new identities). */
  firstDay: number;
  subject: string;
  /** Steps added by benign drift (new service, new API call). */
  extraSteps: Step[];
  /** Is it in the generated inventory by exact id (otherwise only a team glob may cover it)? */
  inventoried: boolean;
  /** Per-identity volume multiplier (bytes, rows, run length). */
  scale: number;
}

export const TEAMS = ['platform', 'data', 'sre', 'payments', 'search', 'growth'];
const SUBJECTS = ['orders', 'billing', 'search', 'users', 'catalog', 'ledger', 'invoices', 'checkout', 'reports', 'events'];
const REGIONS = ['eu-west-1', 'us-east-1', 'eu-central-1', 'us-west-2', 'ap-southeast-1'];
const TZ = [-8, -5, 0, 1, 2, 5.5, 8, 9];

const USER_AGENTS: Record<Archetype, readonly string[]> = {
  'ci-deployer': ['aws-cli/2.15.1 Python/3.11.6 Linux/6.5.0 exe/x86_64.ubuntu.22', 'aws-cli/2.17.20 Python/3.11.9 Linux/6.8.0 exe/x86_64.ubuntu.24', 'APN/1.0 HashiCorp/1.0 Terraform/1.9.5'],
  'etl-job': ['Boto3/1.34.0 md/Botocore#1.34.0 ua/2.0 os/linux#6.1 lang/python#3.12.1', 'aws-sdk-java/2.25.16 Linux/5.10 OpenJDK_64-Bit_Server_VM/17.0.10'],
  'backup-bot': ['aws-sdk-go-v2/1.24.1 os/linux lang/go#1.22.0', 'aws-cli/2.15.1 Python/3.11.6 Linux/6.5.0 exe/x86_64.ubuntu.22'],
  monitor: ['aws-sdk-go-v2/1.24.1 os/linux lang/go#1.22.0', 'Boto3/1.34.0 md/Botocore#1.34.0 ua/2.0 os/linux#6.1 lang/python#3.12.1'],
  'chatops-bot': ['aws-sdk-js/3.540.0 os/linux/5.15 lang/js md/nodejs#20.11.1', 'Boto3/1.34.0 md/Botocore#1.34.0 ua/2.0 os/linux#6.1 lang/python#3.12.1'],
  'terraform-runner': ['APN/1.0 HashiCorp/1.0 Terraform/1.9.5', 'APN/1.0 HashiCorp/1.0 Terraform/1.8.2'],
  'data-api': ['aws-sdk-java/2.25.16 Linux/5.10 OpenJDK_64-Bit_Server_VM/17.0.10', 'aws-sdk-js/3.540.0 os/linux/5.15 lang/js md/nodejs#20.11.1'],
  'report-job': ['Boto3/1.34.0 md/Botocore#1.34.0 ua/2.0 os/linux#6.1 lang/python#3.12.1', 'aws-cli/2.17.20 Python/3.11.9 Linux/6.8.0 exe/x86_64.ubuntu.24'],
  'k8s-operator': ['cert-manager/v1.14.4 (linux/amd64) cert-manager/8f2e4b0', 'external-dns/v0.14.0 (linux/amd64) kubernetes/$Format', 'kube-state-metrics/v2.10.1 (linux/amd64) kubernetes/$Format'],
  'gitops-controller': ['argocd-application-controller/v2.10.4 (linux/amd64) kubernetes/$Format', 'flux/v2.2.3 (linux/amd64) kubernetes/$Format'],
  'github-bot': ['Renovate/37.280.0', 'GitHub-Hookshot/5d2a1b3', 'octokit-rest.js/20.0.2 octokit-core.js/5.1.0 Node.js/20'],
};

const PLATFORM: Record<Archetype, Platform> = {
  'ci-deployer': 'aws', 'etl-job': 'aws', 'backup-bot': 'aws', monitor: 'aws', 'chatops-bot': 'aws', 'terraform-runner': 'aws',
  'data-api': 'aws', 'report-job': 'aws', 'k8s-operator': 'k8s', 'gitops-controller': 'k8s', 'github-bot': 'github',
};

function range(a: number, b: number): number[] {
  const out: number[] = [];
  for (let h = a; h <= b; h++) out.push(h);
  return out;
}

/** UTC hours for local hours `from..to` in time zone `tz`. */
export function utcHours(from: number, to: number, tz: number): number[] {
  return range(from, to).map((h) => (((h - Math.round(tz)) % 24) + 24) % 24);
}

function scheduleFor(archetype: Archetype, rng: Rng): Schedule {
  const tz = rng.pick(TZ);
  const business = (): Schedule => {
    const from = rng.int(6, 10);
    return { type: 'business', hours: utcHours(from, from + rng.int(7, 11), tz), tz, weekends: rng.chance(0.15), runsPerDay: rng.int(2, 14), everyMinutes: 0 };
  };
  const nightly = (): Schedule => {
    const local = rng.int(0, 5);
    return { type: 'nightly', hours: utcHours(local, local, tz), tz, weekends: rng.chance(0.7), runsPerDay: rng.int(1, 2), everyMinutes: 0 };
  };
  const always = (lo: number, hi: number): Schedule => ({ type: 'always', hours: range(0, 23), tz, weekends: true, runsPerDay: 0, everyMinutes: rng.int(lo, hi) });
  switch (archetype) {
    case 'ci-deployer': case 'chatops-bot': case 'terraform-runner': case 'github-bot':
      return rng.chance(0.85) ? business() : always(45, 120);
    case 'etl-job': case 'backup-bot': case 'report-job':
      return rng.chance(0.8) ? nightly() : { type: 'hourly', hours: range(0, 23), tz, weekends: rng.chance(0.6), runsPerDay: 24, everyMinutes: 60 };
    case 'monitor': case 'k8s-operator':
      return always(5, 30);
    case 'data-api': case 'gitops-controller':
      return rng.chance(0.7) ? always(3, 15) : business();
  }
}

function homeFor(archetype: Archetype, rng: Rng): Home {
  const platform = PLATFORM[archetype];
  let network: Network;
  if (platform === 'k8s') network = NETWORKS[0]!;
  else if (platform === 'github') network = NETWORKS[3]!;
  else if (archetype === 'ci-deployer') network = rng.pick([NETWORKS[0]!, NETWORKS[2]!, NETWORKS[5]!]);
  else if (archetype === 'chatops-bot') network = rng.pick([NETWORKS[1]!, NETWORKS[4]!, NETWORKS[6]!]);
  else network = rng.pick([NETWORKS[0]!, NETWORKS[1]!]);
  const nets = Array.from({ length: rng.int(1, 3) }, () => `${network.prefix}.${rng.int(1, 250)}.${rng.int(0, 255)}`);
  const workloads: Record<Archetype, readonly string[]> = {
    'ci-deployer': ['github-actions', 'gitlab-runner', 'buildkite-agent', 'jenkins-agent'],
    'etl-job': ['airflow-worker', 'spark-driver', 'dagster-run'],
    'backup-bot': ['backup-cron', 'velero'],
    monitor: ['prometheus', 'datadog-agent', 'cloudwatch-exporter'],
    'chatops-bot': ['hubot', 'errbot', 'slack-deploy-bot'],
    'terraform-runner': ['atlantis', 'spacelift-worker', 'tf-runner'],
    'data-api': ['api-server', 'graphql-gateway'],
    'report-job': ['report-cron', 'airflow-worker'],
    'k8s-operator': ['cert-manager', 'external-dns', 'kube-state-metrics'],
    'gitops-controller': ['argocd-application-controller', 'flux-kustomize-controller'],
    'github-bot': ['renovate', 'release-please', 'dependabot'],
  };
  return { network, nets, userAgent: rng.pick(USER_AGENTS[archetype]), workload: rng.pick(workloads[archetype]), region: rng.pick(REGIONS) };
}

function accessKey(rng: Rng, prefix: 'AKIA' | 'ASIA'): string {
  const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ234567';
  let s = prefix;
  for (let i = 0; i < 16; i++) s += alphabet[rng.int(0, alphabet.length - 1)] ?? 'A';
  return s;
}

export function newAccessKey(rng: Rng): string {
  return accessKey(rng, 'AKIA');
}

export function sessionKey(rng: Rng): string {
  return accessKey(rng, 'ASIA');
}

/** A new identity of `archetype`. `index` makes names unique within the fleet. */
export function makeVariedIdentity(archetype: Archetype, index: number, account: string, rng: Rng, firstDay = 0): VariedIdentity {
  const platform = PLATFORM[archetype];
  const team = rng.pick(TEAMS);
  const subject = `${rng.pick(SUBJECTS)}${index}`;
  const name = `${team}-${archetype}-${subject}`;
  let id: string;
  let principal: VariedIdentity['principal'];
  if (platform === 'k8s') {
    principal = 'serviceaccount';
    id = `system:serviceaccount:${rng.pick(['kube-system', 'platform', 'argocd', 'flux-system', team])}:${archetype}-${subject}`;
  } else if (platform === 'github') {
    principal = 'app';
    id = `${rng.pick(['renovate', 'release-please', 'deploy-bot'])}-${subject}[bot]`;
  } else {
    // Bots and monitors are often IAM users with a long-lived key; pipelines assume roles.
    principal = (archetype === 'chatops-bot' || archetype === 'monitor' || archetype === 'backup-bot') && rng.chance(0.7) ? 'user' : 'role';
    id = principal === 'user' ? `arn:aws:iam::${account}:user/${name}` : `arn:aws:iam::${account}:role/${name}`;
  }
  const token = principal === 'user' ? accessKey(rng, 'AKIA') : principal === 'role' ? sessionKey(rng) : `tok-${subject}-${rng.int(1000, 9999)}`;
  return {
    id, name, platform, archetype, owner: `team-${team}`, env: rng.chance(0.75) ? 'prod' : 'staging', account, principal,
    tokens: [token], token, home: homeFor(archetype, rng), schedule: scheduleFor(archetype, rng), firstDay, subject,
    extraSteps: [], inventoried: true, scale: Math.exp((rng.next() - 0.5) * 2.5),
  };
}

/** A random fleet: every archetype at least once when the fleet is large enough, then random picks. */
export function makeVariedFleet(size: number, account: string, rng: Rng): VariedIdentity[] {
  const kinds: Archetype[] = [];
  for (let i = 0; i < size; i++) kinds.push(i < ARCHETYPES.length ? ARCHETYPES[i]! : rng.pick(ARCHETYPES));
  // Shuffle so a small fleet is not always the first archetypes.
  for (let i = kinds.length - 1; i > 0; i--) {
    const j = rng.int(0, i);
    [kinds[i], kinds[j]] = [kinds[j]!, kinds[i]!];
  }
  return kinds.map((k, i) => makeVariedIdentity(k, i + 1, account, rng));
}

/** Does this identity have a clear daily pattern (quiet hours an off-hours attack can use)? */
export function hasDailyPattern(idn: VariedIdentity): boolean {
  return idn.schedule.type === 'business' || idn.schedule.type === 'nightly';
}

/** UTC hours at least `margin` hours away from any hour in which the identity works. */
export function quietHours(idn: VariedIdentity, margin = 3): number[] {
  const out: number[] = [];
  for (let h = 0; h < 24; h++) if (idn.schedule.hours.every((x) => Math.min(Math.abs(x - h), 24 - Math.abs(x - h)) >= margin)) out.push(h);
  return out;
}

/** Every user agent string benign identities of this fleet use (attackers borrow from these). */
export function fleetUserAgents(fleet: readonly VariedIdentity[]): string[] {
  return [...new Set(fleet.map((i) => i.home.userAgent))];
}

export function platformOf(a: Archetype): Platform {
  return PLATFORM[a];
}
