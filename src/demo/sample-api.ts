/**
 * The demo's upstream: a tiny "cloud control plane" API. Every request it serves becomes an audit
 * record (a native Warden event) handed to `onAudit`, the way a real API server writes its audit
 * log. Event time runs on a virtual clock so the live calls continue the demo's history.
 */
import { createServer } from 'node:http';
import type { IncomingMessage, Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { WardenEvent } from '../events/event.js';
import { DEMO_ATTACK, DEMO_FLEET } from './fleet.js';
import type { DemoCall } from './fleet.js';

export interface SampleApiOptions {
  /**
   * Receives one audit event per request served. The demo's inline gateway is the audit source
   * instead (it emits every request it decided, with the id it decided it under), so it leaves this
   * unset: the API writing its own events too would teach Warden every request twice.
   */
  onAudit?: (event: WardenEvent) => void;
  /** Event time of a request: the demo's virtual clock. */
  eventTime: () => Date;
}

const routes = new Map<string, DemoCall>();
for (const c of [...DEMO_FLEET.flatMap((i) => i.calls), ...DEMO_ATTACK.calls]) routes.set(`${c.method} ${c.path}`, c);
const tokenOwners = new Map(DEMO_FLEET.map((i) => [i.token, i]));

function header(req: IncomingMessage, name: string): string | undefined {
  const value = req.headers[name];
  return Array.isArray(value) ? value[0] : value;
}

export function startSampleApi(options: SampleApiOptions): Promise<{ server: Server; url: string }> {
  let seq = 0;
  const server = createServer((req, res) => {
    const token = /^Bearer\s+(.+)$/i.exec(header(req, 'authorization') ?? '')?.[1];
    const identity = tokenOwners.get(token ?? '');
    const route = routes.get(`${req.method ?? 'GET'} ${(req.url ?? '/').split('?')[0]}`);
    if (!identity) {
      res.writeHead(401, { 'content-type': 'application/json' }).end('{"error":"unknown token"}');
      return;
    }
    const event: WardenEvent = {
      id: `api-${process.pid}-${++seq}`,
      time: options.eventTime().toISOString(),
      identity: { id: identity.id, type: 'service_account', tokenId: identity.token },
      action: route?.action ?? `api:${req.method} ${req.url}`,
      resource: route?.resource,
      outcome: route ? 'success' : 'failure',
      source: {
        ip: header(req, 'x-demo-source-ip') ?? identity.sourceIp,
        userAgent: header(req, 'user-agent') ?? 'unknown',
        region: 'eu-west-1',
        workload: header(req, 'x-demo-workload'),
      },
      environment: 'prod',
      bytes: route?.bytes ?? null,
      sourceFormat: 'warden',
    };
    options.onAudit?.(event);
    res.writeHead(route ? 200 : 404, { 'content-type': 'application/json' }).end(JSON.stringify({ ok: Boolean(route), action: event.action }));
  });
  return new Promise((resolve) => {
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as AddressInfo;
      resolve({ server, url: `http://127.0.0.1:${port}` });
    });
  });
}
