/** A local HTTP receiver for notification tests: records every request and answers from a script. */
import { createServer } from 'node:http';
import type { IncomingHttpHeaders } from 'node:http';
import type { AddressInfo } from 'node:net';
import { stringify } from 'yaml';
import { parseConfig } from '../../../src/config/load.js';
import type { WardenConfig } from '../../../src/config/schema.js';
import type { Decision } from '../../../src/decisions/decision.js';

export interface Received {
  path: string;
  headers: IncomingHttpHeaders;
  body: string;
  at: number;
}

export interface Answer {
  status: number;
  headers?: Record<string, string>;
  body?: string;
  /** Answer after this long (a slow receiver). */
  delayMs?: number;
}

export interface Receiver {
  url: string;
  requests: Received[];
  /** Answers for the next requests to `path`, in order; afterwards 200 "ok". */
  script(path: string, answers: Answer[]): void;
  close(): Promise<void>;
}

export async function startReceiver(): Promise<Receiver> {
  const requests: Received[] = [];
  const scripts = new Map<string, Answer[]>();
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const path = req.url ?? '/';
      requests.push({ path, headers: req.headers, body: Buffer.concat(chunks).toString('utf8'), at: Date.now() });
      const answer = scripts.get(path)?.shift() ?? { status: 200, body: 'ok' };
      const send = (): void => {
        if (res.destroyed) return;
        res.writeHead(answer.status, answer.headers ?? {});
        res.end(answer.body ?? '');
      };
      if (answer.delayMs) setTimeout(send, answer.delayMs).unref();
      else send();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    requests,
    script: (path, answers) => scripts.set(path, [...answers]),
    close: () =>
      new Promise((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

export function decision(overrides: Partial<Decision> = {}): Decision {
  return {
    decisionId: 'd-1',
    eventId: 'e-1',
    identity: 'svc-deployer',
    owner: 'team-platform',
    action: 'iam:CreateAccessKey',
    resource: 'arn:aws:iam::123456789012:user/deployer',
    eventTime: '2026-11-20T02:17:03.120Z',
    decidedAt: '2026-11-20T02:17:03.180Z',
    verdict: 'block',
    score: 91,
    mode: 'enforce',
    reasons: [
      { code: 'NEW_ACTION', detail: 'action iam:CreateAccessKey never seen for this identity', weight: 35 },
      { code: 'NEW_SOURCE_ASN', detail: 'source ASN AS14061 never seen for this identity', weight: 30 },
      { code: 'UNUSUAL_HOUR', detail: "Sun 03:00 UTC holds 0.12% of this identity's activity (hour of week)", weight: 9 },
      { code: 'RARE_SEQUENCE', detail: 'iam:CreateAccessKey never followed s3:PutObject before', weight: 5 },
    ],
    policy: { id: null, version: 'v1' },
    model: null,
    sig: 'ed25519:0123456789abcdef:AAAA',
    ...overrides,
  };
}

/** A config from a plain object, through the real YAML loader and schema. */
export function configOf(raw: object): WardenConfig {
  return parseConfig(stringify(raw), 'test.yaml');
}
