/**
 * Forwards an allowed request to the upstream with undici (one connection pool, kept alive) and
 * streams the answer back. Hop-by-hop headers are dropped both ways; the identity the gateway
 * established replaces any the client sent, so the upstream can trust it.
 */
import type { IncomingHttpHeaders, IncomingMessage, ServerResponse } from 'node:http';
import { Pool, errors as undiciErrors } from 'undici';
import type { Dispatcher } from 'undici';

const HOP_BY_HOP = new Set(['connection', 'keep-alive', 'proxy-authenticate', 'proxy-authorization', 'proxy-connection', 'te', 'trailer', 'transfer-encoding', 'upgrade', 'host']);
/** The gateway's own marks (inline mode): a client can never send them, only the gateway sets them. */
const MARKS = new Set(['x-warden-decision', 'x-warden-decision-id', 'x-warden-reason', 'x-warden-reason-codes', 'x-warden-degraded', 'x-warden-event-id']);

export interface UpstreamOptions {
  url: string;
  connections: number;
  timeoutMs: number;
  identityHeader: string;
  tokenHeader: string;
}

export interface ForwardContext {
  /** The canonical target the gateway matched (request-target.ts); forwarded instead of the raw one. */
  target: string;
  identity: string;
  tokenId?: string;
  /** Inline mode's marks (alert, degraded, decision and event ids), sent upstream and back to the client. */
  marks?: Readonly<Record<string, string>>;
  secure: boolean;
}

function forwardHeaders(source: IncomingHttpHeaders, request: IncomingMessage, context: ForwardContext, identityHeader: string, tokenHeader: string): Record<string, string | string[]> {
  const connectionListed = new Set(String(source.connection ?? '').toLowerCase().split(',').map((h) => h.trim()));
  const out: Record<string, string | string[]> = {};
  for (const [name, value] of Object.entries(source)) {
    if (value === undefined || HOP_BY_HOP.has(name) || connectionListed.has(name) || MARKS.has(name)) continue;
    out[name] = value;
  }
  if (context.marks) Object.assign(out, context.marks);
  const ip = request.socket.remoteAddress ?? '';
  const prior = source['x-forwarded-for'];
  out['x-forwarded-for'] = prior ? `${Array.isArray(prior) ? prior.join(', ') : prior}, ${ip}` : ip;
  out['x-forwarded-proto'] = context.secure ? 'https' : 'http';
  if (source.host) out['x-forwarded-host'] = source.host;
  out[identityHeader] = context.identity;
  // Like the identity, the token id the upstream sees is the one the gateway established; a
  // client-set token header (bearer or mTLS mode) never passes through.
  delete out[tokenHeader];
  if (context.tokenId !== undefined) out[tokenHeader] = context.tokenId;
  return out;
}

function responseHeaders(headers: Record<string, string | string[] | undefined>): Record<string, string | string[]> {
  const out: Record<string, string | string[]> = {};
  for (const [name, value] of Object.entries(headers)) {
    if (value === undefined || HOP_BY_HOP.has(name)) continue;
    out[name] = value;
  }
  return out;
}

export class UpstreamProxy {
  private readonly pool: Pool;
  private readonly basePath: string;

  constructor(private readonly options: UpstreamOptions) {
    const url = new URL(options.url);
    this.pool = new Pool(url.origin, { connections: options.connections, pipelining: 1, keepAliveTimeout: 30_000 });
    this.basePath = url.pathname.replace(/\/$/, '');
  }

  /** Forwards the request; resolves with the upstream status (or the 502/504 the gateway answered). */
  async forward(request: IncomingMessage, response: ServerResponse, context: ForwardContext): Promise<number> {
    const method = (request.method ?? 'GET') as Dispatcher.HttpMethod;
    const hasBody = !(method === 'GET' || method === 'HEAD') || request.headers['content-length'] !== undefined || request.headers['transfer-encoding'] !== undefined;
    let status = 0;
    try {
      // stream() writes the upstream body straight into our response: no intermediate Readable.
      await this.pool.stream(
        {
          method,
          path: this.basePath + context.target,
          headers: forwardHeaders(request.headers, request, context, this.options.identityHeader, this.options.tokenHeader),
          body: hasBody ? request : null,
          headersTimeout: this.options.timeoutMs,
          bodyTimeout: this.options.timeoutMs,
        },
        ({ statusCode, headers }) => {
          status = statusCode;
          response.writeHead(statusCode, context.marks ? { ...responseHeaders(headers), ...context.marks } : responseHeaders(headers));
          return response;
        },
      );
    } catch (err) {
      if (response.headersSent) {
        // The client went away or the upstream broke off mid-body: close our side too.
        response.destroy();
        return status;
      }
      const timeout = err instanceof undiciErrors.HeadersTimeoutError || err instanceof undiciErrors.BodyTimeoutError;
      status = timeout ? 504 : 502;
      response.writeHead(status, { 'content-type': 'application/json' });
      response.end(JSON.stringify({ error: timeout ? 'upstream timeout' : 'upstream unavailable' }));
    }
    return status;
  }

  async close(): Promise<void> {
    await this.pool.close();
  }
}
