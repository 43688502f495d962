/**
 * In-process gateway + upstream on 127.0.0.1 for the security tests, and a raw HTTP/1.1 client:
 * undici and node:http normalise or refuse the very spellings these tests must send verbatim
 * (dot segments, backslashes, fragments, duplicate headers).
 */
import { createServer } from 'node:http';
import type { Server } from 'node:http';
import { connect } from 'node:net';
import type { AddressInfo } from 'node:net';
import { gatewaySchema } from '../../src/config/sections/gateway.js';
import { BlockTable } from '../../src/enforcer/block-table.js';
import { startGateway } from '../../src/enforcer/gateway.js';
import type { Gateway } from '../../src/enforcer/gateway.js';
import type { BlockChecker } from '../../src/enforcer/gateway-decide.js';
import { createIdentifier, parseTokensFile } from '../../src/enforcer/identify.js';

export interface RawAnswer {
  status: number;
  headers: Record<string, string>;
  body: string;
}

/** Sends `METHOD target HTTP/1.1` with `headers` (name, value pairs, duplicates kept) byte for byte. */
export function rawRequest(port: number, method: string, target: string, headers: ReadonlyArray<readonly [string, string]> = []): Promise<RawAnswer> {
  const head = [`${method} ${target} HTTP/1.1`, 'Host: 127.0.0.1', ...headers.map(([n, v]) => `${n}: ${v}`), 'Connection: close', '', ''].join('\r\n');
  return new Promise((resolve, reject) => {
    const socket = connect(port, '127.0.0.1', () => socket.write(Buffer.from(head, 'latin1')));
    const chunks: Buffer[] = [];
    socket.on('data', (c: Buffer) => chunks.push(c));
    socket.on('error', reject);
    socket.on('close', () => {
      const text = Buffer.concat(chunks).toString('latin1');
      const split = text.indexOf('\r\n\r\n');
      const lines = text.slice(0, split).split('\r\n');
      const status = Number(/^HTTP\/1\.1 (\d{3})/.exec(lines[0] ?? '')?.[1] ?? 0);
      const headerMap: Record<string, string> = {};
      for (const line of lines.slice(1)) {
        const colon = line.indexOf(':');
        headerMap[line.slice(0, colon).toLowerCase()] = line.slice(colon + 1).trim();
      }
      let body = text.slice(split + 4);
      if (headerMap['transfer-encoding'] === 'chunked') body = dechunk(body);
      resolve({ status, headers: headerMap, body });
    });
  });
}

function dechunk(text: string): string {
  let out = '';
  let rest = text;
  for (;;) {
    const eol = rest.indexOf('\r\n');
    const size = parseInt(rest.slice(0, eol), 16);
    if (!size) return out;
    out += rest.slice(eol + 2, eol + 2 + size);
    rest = rest.slice(eol + 4 + size);
  }
}

export const BEARER_TOKENS = `tokens:
  - token: token-of-ok
    identity: svc-ok
    tokenId: ok-1
  - token: token-of-a
    identity: svc-a
`;

export interface Harness {
  gateway: Gateway;
  /** What the upstream last received: method, target and caller headers. */
  seen: { method: string; url: string; identity: string | undefined; token: string | undefined }[];
  close(): Promise<void>;
}

/**
 * A gateway in front of an upstream that echoes the target it received. Blocks: `svc-a` on
 * `GET /admin` and `GET /admin/*`; `svc-blocked` on everything.
 */
export async function startHarness(gateway: Record<string, unknown> = {}): Promise<Harness> {
  const seen: Harness['seen'] = [];
  const upstream: Server = createServer((req, res) => {
    seen.push({ method: req.method ?? '', url: req.url ?? '', identity: req.headers['x-warden-identity'] as string | undefined, token: req.headers['x-warden-token'] as string | undefined });
    res.end(`upstream ${req.method} ${req.url}`);
  });
  await new Promise<void>((r) => upstream.listen(0, '127.0.0.1', r));
  const table = new BlockTable();
  const now = Date.now();
  const createdAt = new Date(now).toISOString();
  table.apply({ identity: 'svc-a', state: 'block', actions: ['GET /admin', 'GET /admin/*'], reason: 'no admin reads', decisionId: 'dec-admin', source: 'operator:test', createdAt, expiresAt: null }, now);
  table.apply({ identity: 'svc-blocked', state: 'block', reason: 'blocked outright', decisionId: 'dec-all', source: 'operator:test', createdAt, expiresAt: null }, now);
  const checker: BlockChecker = {
    check: (identity, tokenId, action) => {
      const v = table.check(identity, tokenId, action, Date.now());
      return v.block ? { allowed: false, reason: v.block.reason, decisionId: v.block.decisionId, expiresAt: v.block.expiresAt } : { allowed: true };
    },
  };
  const config = gatewaySchema.parse({ listen: { host: '127.0.0.1', port: 0 }, upstream: `http://127.0.0.1:${(upstream.address() as AddressInfo).port}`, ...gateway });
  const tokens = config.identify.mode === 'bearer' ? parseTokensFile(BEARER_TOKENS, 'tokens.yaml') : null;
  const started = await startGateway({ config, checker, identifier: createIdentifier(config.identify, tokens) });
  return {
    gateway: started,
    seen,
    async close() {
      await started.close();
      await new Promise((r) => upstream.close(r));
    },
  };
}
