/**
 * The demo's small fleet of machine identities and what each normally does. The same behaviour
 * model writes a week of history (so Warden has baselines) and drives the live calls through the
 * gateway, so the live benign traffic looks like the history and the attack does not.
 */
import type { WardenEvent } from '../events/event.js';
import { mulberry32 } from '../model/random.js';

export interface DemoCall {
  method: string;
  path: string;
  action: string;
  resource: string;
  bytes?: number;
}

export interface DemoIdentity {
  id: string;
  owner: string;
  class: string;
  token: string;
  sourceIp: string;
  userAgent: string;
  workload: string;
  /** Hours of the day (UTC) it is active. */
  hours: readonly number[];
  /** Calls per active hour in the history. */
  callsPerHour: number;
  calls: readonly DemoCall[];
}

const call = (method: string, path: string, action: string, resource: string, bytes?: number): DemoCall => ({ method, path, action, resource, bytes });

export const DEMO_FLEET: readonly DemoIdentity[] = [
  {
    id: 'svc-ci-deployer',
    owner: 'team-platform',
    class: 'ci-deployer',
    token: 'tok-ci-7f3a',
    sourceIp: '10.20.1.15',
    userAgent: 'terraform/1.9.5',
    workload: 'ci-runner',
    hours: [8, 9, 10, 11, 13, 14, 15, 16],
    callsPerHour: 6,
    calls: [
      call('PUT', '/s3/prod-artifacts/app.tgz', 's3:PutObject', 'arn:aws:s3:::prod-artifacts/app.tgz', 48_000_000),
      call('POST', '/ecs/services/web/deploy', 'ecs:UpdateService', 'arn:aws:ecs:eu-west-1:1111:service/prod/web'),
      call('GET', '/ecs/services/web', 'ecs:DescribeServices', 'arn:aws:ecs:eu-west-1:1111:service/prod/web'),
    ],
  },
  {
    id: 'svc-etl-nightly',
    owner: 'team-data',
    class: 'etl-job',
    token: 'tok-etl-19c2',
    sourceIp: '10.30.4.7',
    userAgent: 'aws-sdk-python/1.34',
    workload: 'airflow-worker',
    hours: [1, 2, 3],
    callsPerHour: 20,
    calls: [
      call('GET', '/s3/raw-events/2026/part-0001.parquet', 's3:GetObject', 'arn:aws:s3:::raw-events/2026/part-0001.parquet', 5_000_000),
      call('PUT', '/s3/warehouse/daily/part-0001.parquet', 's3:PutObject', 'arn:aws:s3:::warehouse/daily/part-0001.parquet', 2_000_000),
    ],
  },
  {
    id: 'svc-backup-bot',
    owner: 'team-sre',
    class: 'backup-bot',
    token: 'tok-bkp-55d0',
    sourceIp: '10.40.0.12',
    userAgent: 'restic/0.16',
    workload: 'backup-cron',
    hours: [0, 4],
    callsPerHour: 10,
    calls: [
      call('POST', '/rds/snapshots', 'rds:CreateDBSnapshot', 'arn:aws:rds:eu-west-1:1111:db:orders'),
      call('PUT', '/s3/backups/orders.dump', 's3:PutObject', 'arn:aws:s3:::backups/orders.dump', 80_000_000),
    ],
  },
  {
    id: 'svc-monitor',
    owner: 'team-sre',
    class: 'monitor',
    token: 'tok-mon-a001',
    sourceIp: '10.50.2.2',
    userAgent: 'prometheus-cloudwatch-exporter/0.15',
    workload: 'monitoring',
    hours: Array.from({ length: 24 }, (_, h) => h),
    callsPerHour: 12,
    calls: [
      call('GET', '/cloudwatch/metrics', 'cloudwatch:GetMetricData', 'arn:aws:cloudwatch:eu-west-1:1111:*'),
      call('GET', '/ecs/services/web', 'ecs:DescribeServices', 'arn:aws:ecs:eu-west-1:1111:service/prod/web'),
    ],
  },
  {
    id: 'svc-chatops-bot',
    owner: 'team-platform',
    class: 'chatops-bot',
    token: 'tok-chat-3b9e',
    sourceIp: '10.60.1.30',
    userAgent: 'hubot/11',
    workload: 'chatops',
    hours: [9, 10, 11, 12, 13, 14, 15, 16, 17],
    callsPerHour: 3,
    calls: [
      call('GET', '/ecs/services/web', 'ecs:DescribeServices', 'arn:aws:ecs:eu-west-1:1111:service/prod/web'),
      call('POST', '/ecs/services/web/restart', 'ecs:UpdateService', 'arn:aws:ecs:eu-west-1:1111:service/prod/web'),
    ],
  },
];

/** What the stolen CI token does from an attacker's machine: recon, privilege escalation, exfiltration. */
export const DEMO_ATTACK: { identity: string; sourceIp: string; userAgent: string; calls: readonly DemoCall[] } = {
  identity: 'svc-ci-deployer',
  sourceIp: '203.0.113.66',
  userAgent: 'python-requests/2.31',
  calls: [
    call('GET', '/iam/users', 'iam:ListUsers', 'arn:aws:iam::1111:user/*'),
    call('GET', '/s3', 's3:ListBuckets', 'arn:aws:s3:::*'),
    call('POST', '/iam/users/admin/access-keys', 'iam:CreateAccessKey', 'arn:aws:iam::1111:user/admin'),
    call('GET', '/s3/customer-data/export.csv', 's3:GetObject', 'arn:aws:s3:::customer-data/export.csv', 900_000_000),
    call('DELETE', '/s3/backups/orders.dump', 's3:DeleteObject', 'arn:aws:s3:::backups/orders.dump'),
    call('GET', '/iam/roles', 'iam:ListRoles', 'arn:aws:iam::1111:role/*'),
  ],
};

/** The demo's history is the same every run. */
export const seededRandom = mulberry32;

export function demoEvent(identity: DemoIdentity, c: DemoCall, time: Date, id: string, overrides: Partial<WardenEvent['source']> = {}): WardenEvent {
  return {
    id,
    time: time.toISOString(),
    identity: { id: identity.id, type: 'service_account', tokenId: identity.token },
    action: c.action,
    resource: c.resource,
    outcome: 'success',
    source: { ip: identity.sourceIp, userAgent: identity.userAgent, region: 'eu-west-1', workload: identity.workload, ...overrides },
    environment: 'prod',
    bytes: c.bytes ?? null,
    sourceFormat: 'warden',
  };
}

/** `days` of history ending at `end`, in time order. */
export function demoHistory(end: Date, days: number, seed = 7): WardenEvent[] {
  const random = seededRandom(seed);
  const events: WardenEvent[] = [];
  const startHour = Math.floor(end.getTime() / 3_600_000) - days * 24;
  for (let h = startHour; h < Math.floor(end.getTime() / 3_600_000); h++) {
    const hourOfDay = ((h % 24) + 24) % 24;
    for (const identity of DEMO_FLEET) {
      if (!identity.hours.includes(hourOfDay)) continue;
      const n = Math.max(1, Math.round(identity.callsPerHour * (0.7 + 0.6 * random())));
      for (let k = 0; k < n; k++) {
        const c = identity.calls[Math.floor(random() * identity.calls.length)] ?? identity.calls[0];
        if (!c) continue;
        const time = new Date(h * 3_600_000 + Math.floor(random() * 3_600_000));
        events.push(demoEvent(identity, c, time, `hist-${identity.id}-${h}-${k}`));
      }
    }
  }
  return events.sort((a, b) => a.time.localeCompare(b.time));
}

/**
 * The sample API's routes as `gateway.inline.routes`: the inline gateway maps each request to the
 * action and resource the API itself would audit (one route per known call; the access-key route
 * names the user, so the knowledge pack can tell a key for another user).
 */
export const DEMO_ROUTES: ReadonlyArray<{ method: string; path: string; action: string; resource: string; request?: Record<string, string> }> = [
  { method: 'POST', path: '/iam/users/{user}/access-keys', action: 'iam:CreateAccessKey', resource: 'arn:aws:iam::1111:user/{user}', request: { userName: '{user}' } },
  ...[...new Map([...DEMO_FLEET.flatMap((i) => i.calls), ...DEMO_ATTACK.calls].map((c) => [`${c.method} ${c.path}`, c])).values()].map((c) => ({ method: c.method, path: c.path, action: c.action, resource: c.resource })),
];
