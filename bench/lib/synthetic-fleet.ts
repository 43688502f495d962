/**
 * A deterministic synthetic fleet of machine identities for the model's tests, benchmark and
 * (until the simulator lands) its default model: CI deployers, backup bots, Kubernetes
 * controllers, GitHub apps and database reporters, each with its own actions, sources, hours and
 * volumes; plus labelled attacks of several kinds injected into the stream.
 */
import type { WardenEvent } from '../../src/events/event.js';
import { mulberry32 } from '../../src/model/random.js';

export type AttackKind = 'stolen-credentials' | 'cross-identity-combo' | 'exfiltration' | 'privilege-escalation' | 'enumeration';
export const ATTACK_KINDS: readonly AttackKind[] = ['stolen-credentials', 'cross-identity-combo', 'exfiltration', 'privilege-escalation', 'enumeration'];

export interface Label {
  eventId: string;
  attack: AttackKind | null;
}

interface Persona {
  kind: string;
  type: NonNullable<WardenEvent['identity']['type']>;
  actions: readonly { action: string; resource: string; weight: number; bytes?: [number, number]; rows?: [number, number]; readOnly?: boolean }[];
  net: string;
  asn: string;
  country: string;
  region: string;
  userAgent: string;
  workload: string;
  /** UTC hours active and on which weekdays (0 = Sunday). */
  hours: readonly number[];
  days: readonly number[];
  /** Sessions per active hour and events per session. */
  sessionsPerHour: number;
  eventsPerSession: [number, number];
  gapSeconds: number;
}

const WEEKDAYS = [1, 2, 3, 4, 5];
const ALL_DAYS = [0, 1, 2, 3, 4, 5, 6];
const range = (a: number, b: number): number[] => Array.from({ length: b - a }, (_, i) => a + i);

const PERSONAS: readonly Persona[] = [
  {
    kind: 'ci-deployer', type: 'service_account', net: '10.1.2', asn: 'AS16509', country: 'IE', region: 'eu-west-1', userAgent: 'terraform/1.9.2', workload: 'ci-runner',
    actions: [
      { action: 'ecr:GetAuthorizationToken', resource: 'arn:aws:ecr:eu-west-1:1111:repository/app', weight: 2, readOnly: true },
      { action: 'ecr:PutImage', resource: 'arn:aws:ecr:eu-west-1:1111:repository/app', weight: 2, bytes: [5e7, 3e8] },
      { action: 's3:PutObject', resource: 'arn:aws:s3:::prod-artifacts/app-1.tgz', weight: 3, bytes: [1e6, 5e7] },
      { action: 'ecs:UpdateService', resource: 'arn:aws:ecs:eu-west-1:1111:service/prod/app', weight: 2 },
      { action: 'ecs:DescribeServices', resource: 'arn:aws:ecs:eu-west-1:1111:service/prod/app', weight: 3, readOnly: true },
    ],
    hours: range(8, 19), days: WEEKDAYS, sessionsPerHour: 0.8, eventsPerSession: [6, 14], gapSeconds: 4,
  },
  {
    kind: 'backup-bot', type: 'bot', net: '10.2.7', asn: 'AS16509', country: 'DE', region: 'eu-central-1', userAgent: 'aws-sdk-go/1.50', workload: 'backup-cron',
    actions: [
      { action: 's3:GetObject', resource: 'arn:aws:s3:::prod-db-dumps/2026/dump-1.sql.gz', weight: 1, bytes: [1e8, 2e9] },
      { action: 's3:PutObject', resource: 'arn:aws:s3:::backup-vault/2026/dump-1.sql.gz', weight: 1, bytes: [1e8, 2e9] },
      { action: 's3:ListBucket', resource: 'arn:aws:s3:::prod-db-dumps', weight: 1, readOnly: true },
    ],
    hours: [2, 3], days: ALL_DAYS, sessionsPerHour: 3, eventsPerSession: [8, 16], gapSeconds: 20,
  },
  {
    kind: 'k8s-controller', type: 'workload', net: '10.3.0', asn: '', country: '', region: '', userAgent: 'kube-controller-manager/v1.30', workload: 'kube-system',
    actions: [
      { action: 'k8s:get:pods', resource: 'k8s/prod/pods', weight: 5, readOnly: true },
      { action: 'k8s:list:deployments', resource: 'k8s/prod/deployments', weight: 3, readOnly: true },
      { action: 'k8s:watch:endpoints', resource: 'k8s/prod/endpoints', weight: 2, readOnly: true },
      { action: 'k8s:update:deployments', resource: 'k8s/prod/deployments', weight: 1 },
    ],
    hours: range(0, 24), days: ALL_DAYS, sessionsPerHour: 12, eventsPerSession: [3, 8], gapSeconds: 1,
  },
  {
    kind: 'github-app', type: 'app', net: '140.82.112', asn: 'AS36459', country: 'US', region: '', userAgent: 'GitHub-Hookshot/abc', workload: 'github',
    actions: [
      { action: 'github:repo.push', resource: 'github/acme/app', weight: 3 },
      { action: 'github:pull_request.create', resource: 'github/acme/app', weight: 2 },
      { action: 'github:repo.download_zip', resource: 'github/acme/app', weight: 1, readOnly: true, bytes: [1e6, 2e7] },
    ],
    hours: range(6, 22), days: ALL_DAYS, sessionsPerHour: 0.6, eventsPerSession: [1, 4], gapSeconds: 30,
  },
  {
    kind: 'db-reporter', type: 'database_user', net: '10.4.9', asn: '', country: '', region: 'eu-west-1', userAgent: 'psql/16', workload: 'reporting',
    actions: [
      { action: 'pg:SELECT', resource: 'pg/analytics/public.orders', weight: 4, rows: [100, 50_000], readOnly: true },
      { action: 'pg:SELECT', resource: 'pg/analytics/public.customers', weight: 1, rows: [10, 5_000], readOnly: true },
      { action: 'pg:INSERT', resource: 'pg/analytics/public.report_runs', weight: 1, rows: [1, 1] },
    ],
    hours: range(0, 24), days: ALL_DAYS, sessionsPerHour: 1, eventsPerSession: [2, 5], gapSeconds: 2,
  },
];

export interface FleetOptions {
  seed?: number;
  days?: number;
  /** Identities per persona. @defaultValue 3 */
  perPersona?: number;
  /** Attack episodes per kind (0 = benign only). @defaultValue 0 */
  attacksPerKind?: number;
  start?: string;
}

type Random = () => number;
const pick = <T>(r: Random, xs: readonly T[]): T => xs[Math.floor(r() * xs.length)] as T;
const between = (r: Random, [a, b]: [number, number]): number => Math.round(a + (b - a) * r());

function weighted<T extends { weight: number }>(r: Random, xs: readonly T[]): T {
  const total = xs.reduce((s, x) => s + x.weight, 0);
  let u = r() * total;
  for (const x of xs) if ((u -= x.weight) < 0) return x;
  return xs[xs.length - 1] as T;
}

function benignEvent(r: Random, p: Persona, id: string, host: number, t: number, n: number): WardenEvent {
  const a = weighted(r, p.actions);
  const outcome = r() < 0.01 ? 'failure' : 'success';
  return {
    id: `${id}-${n}`,
    time: new Date(t).toISOString(),
    identity: { id, type: p.type },
    action: a.action,
    resource: a.resource.replace(/-1\b/, `-${1 + Math.floor(r() * 50)}`),
    outcome,
    source: {
      ip: `${p.net}.${host}`, userAgent: p.userAgent, workload: p.workload,
      ...(p.asn ? { asn: p.asn } : {}), ...(p.country ? { country: p.country } : {}), ...(p.region ? { region: p.region } : {}),
    },
    privileged: false,
    readOnly: a.readOnly ?? false,
    bytes: a.bytes ? between(r, a.bytes) : null,
    rows: a.rows ? between(r, a.rows) : null,
  };
}

const ENUM_ACTIONS = ['iam:ListRoles', 's3:ListBuckets', 'ec2:DescribeInstances', 'secretsmanager:ListSecrets', 'kms:ListKeys', 'iam:ListUsers', 'rds:DescribeDBInstances', 'lambda:ListFunctions'];

function attackEvents(r: Random, kind: AttackKind, victim: { id: string; p: Persona }, t0: number, tag: string): WardenEvent[] {
  const { id, p } = victim;
  const base = benignEvent(r, p, id, 10, t0, 0);
  const out: WardenEvent[] = [];
  const push = (e: Partial<WardenEvent>, dt: number): void => {
    out.push({ ...base, ...e, id: `${tag}-${out.length}`, time: new Date(t0 + dt).toISOString() });
  };
  switch (kind) {
    case 'stolen-credentials': {
      const n = 3 + Math.floor(r() * 4);
      for (let i = 0; i < n; i++) {
        const b = benignEvent(r, p, id, 10, t0, 0);
        push({ action: b.action, resource: b.resource, bytes: b.bytes, rows: b.rows, readOnly: b.readOnly,
          source: { ip: `45.77.${Math.floor(r() * 255)}.${Math.floor(r() * 255)}`, asn: 'AS20473', country: 'NL', userAgent: 'python-requests/2.31' } }, i * 7_000);
      }
      break;
    }
    case 'cross-identity-combo': {
      // Every value is normal somewhere in the fleet, never together for this identity.
      const n = 2 + Math.floor(r() * 3);
      for (let i = 0; i < n; i++) {
        push({ action: 's3:GetObject', resource: 'arn:aws:s3:::prod-db-dumps/2026/dump-7.sql.gz', bytes: between(r, [1e8, 2e9]), readOnly: false }, i * 20_000);
      }
      break;
    }
    case 'exfiltration': {
      const n = 2 + Math.floor(r() * 3);
      for (let i = 0; i < n; i++) push({ bytes: between(r, [2e10, 8e10]), rows: between(r, [5e6, 2e7]), readOnly: true }, i * 30_000);
      break;
    }
    case 'privilege-escalation': {
      const actions = ['iam:CreateAccessKey', 'iam:AttachRolePolicy', 'iam:PutRolePolicy'];
      const n = 1 + Math.floor(r() * 3);
      for (let i = 0; i < n; i++) push({ action: actions[i] as string, resource: 'arn:aws:iam::1111:user/admin', privileged: true, readOnly: false, bytes: null, rows: null }, i * 15_000);
      break;
    }
    case 'enumeration': {
      const n = 20 + Math.floor(r() * 20);
      for (let i = 0; i < n; i++) {
        push({ action: pick(r, ENUM_ACTIONS), resource: `arn:aws:${i}`, readOnly: true, bytes: null, rows: null, outcome: r() < 0.4 ? 'denied' : 'success' }, i * 300);
      }
      break;
    }
  }
  return out;
}

/** Victim personas per attack kind: the ones for which the attack is meaningful. */
const VICTIMS: Record<AttackKind, readonly string[]> = {
  'stolen-credentials': ['ci-deployer', 'backup-bot', 'github-app', 'db-reporter'],
  'cross-identity-combo': ['ci-deployer'],
  exfiltration: ['db-reporter', 'github-app'],
  'privilege-escalation': ['ci-deployer', 'k8s-controller', 'github-app'],
  enumeration: ['ci-deployer', 'k8s-controller', 'db-reporter'],
};

/** Generates the fleet's events (sorted by time) and one label per event. */
export function syntheticFleet(options: FleetOptions = {}): { events: WardenEvent[]; labels: Label[] } {
  const r = mulberry32(options.seed ?? 1);
  const days = options.days ?? 14;
  const start = Date.parse(options.start ?? '2026-11-02T00:00:00Z');
  const identities = PERSONAS.flatMap((p) => Array.from({ length: options.perPersona ?? 3 }, (_, k) => ({ id: `${p.kind}-${k + 1}`, p })));
  const events: WardenEvent[] = [];
  const attack = new Map<string, AttackKind>();
  for (const { id, p } of identities) {
    let n = 0;
    const host = 10 + Math.floor(r() * 40);
    for (let d = 0; d < days; d++) {
      const dayStart = start + d * 86_400_000;
      if (!p.days.includes(new Date(dayStart).getUTCDay())) continue;
      for (const h of p.hours) {
        const sessions = Math.floor(p.sessionsPerHour) + (r() < p.sessionsPerHour % 1 ? 1 : 0);
        for (let s = 0; s < sessions; s++) {
          let t = dayStart + h * 3_600_000 + Math.floor(r() * 3_300_000);
          const len = between(r, p.eventsPerSession);
          for (let i = 0; i < len; i++) {
            events.push(benignEvent(r, p, id, host + (r() < 0.1 ? 1 : 0), t, n++));
            t += Math.round(p.gapSeconds * 1000 * (0.5 + r()));
          }
        }
      }
    }
  }
  for (const kind of ATTACK_KINDS) {
    for (let a = 0; a < (options.attacksPerKind ?? 0); a++) {
      const victims = identities.filter((x) => VICTIMS[kind].includes(x.p.kind));
      const victim = pick(r, victims);
      // Attacks land in the second half of the window, after each identity has a history.
      const t0 = start + Math.floor((0.5 + 0.5 * r()) * days * 86_400_000);
      const at = kind === 'cross-identity-combo' ? t0 - (t0 % 86_400_000) + 2 * 3_600_000 + Math.floor(r() * 3_000_000) : t0;
      for (const e of attackEvents(r, kind, victim, at, `atk-${kind}-${a}`)) {
        events.push(e);
        attack.set(e.id, kind);
      }
    }
  }
  events.sort((x, y) => Date.parse(x.time) - Date.parse(y.time) || (x.id < y.id ? -1 : 1));
  return { events, labels: events.map((e) => ({ eventId: e.id, attack: attack.get(e.id) ?? null })) };
}
