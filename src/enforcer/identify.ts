/**
 * Who is calling: the gateway's caller identification, chosen by config. `header` trusts a header
 * set by something in front (a mesh, nginx); `bearer` maps `Authorization: Bearer <token>` to an
 * identity through a tokens file (tokens may be stored as SHA-256 so the file holds no secret);
 * `mtls` takes the subject CN of a verified client certificate and its fingerprint as token id.
 */
import { createHash } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import type { IncomingHttpHeaders, IncomingMessage } from 'node:http';
import type { TLSSocket } from 'node:tls';
import { z } from 'zod';
import { WardenError } from '../errors.js';
import { loadYaml } from '../config/yaml-source.js';
import type { GatewayConfig } from '../config/sections/gateway.js';

export interface CallerIdentity {
  identity: string;
  /** Credential id: the token's id from the tokens file, the `x-warden-token` header, or the certificate fingerprint. */
  tokenId?: string;
}

const tokensFileSchema = z.strictObject({
  tokens: z.array(
    z
      .strictObject({
        /** The bearer token itself (prefer `sha256`). */
        token: z.string().min(1).optional(),
        /** Hex SHA-256 of the bearer token. */
        sha256: z.string().regex(/^[0-9a-fA-F]{64}$/).optional(),
        identity: z.string().min(1),
        /** The credential's id, so a block can target this one token. */
        tokenId: z.string().min(1).optional(),
      })
      .refine((t) => (t.token === undefined) !== (t.sha256 === undefined), { message: 'give exactly one of token or sha256' }),
  ),
});

/** sha256(token) → caller. */
export type TokenMap = ReadonlyMap<string, CallerIdentity>;

export function sha256Hex(text: string): string {
  return createHash('sha256').update(text).digest('hex');
}

export function parseTokensFile(text: string, file: string): TokenMap {
  const parsed = loadYaml(tokensFileSchema, text, file, 'WARDEN_CONFIG_INVALID');
  const map = new Map<string, CallerIdentity>();
  for (const entry of parsed.tokens) {
    const hash = entry.sha256?.toLowerCase() ?? sha256Hex(entry.token ?? '');
    map.set(hash, { identity: entry.identity, ...(entry.tokenId ? { tokenId: entry.tokenId } : {}) });
  }
  return map;
}

export function loadTokensFile(file: string): TokenMap {
  if (!existsSync(file)) throw new WardenError('WARDEN_CONFIG_NOT_FOUND', `gateway tokens file not found: ${file}`);
  return parseTokensFile(readFileSync(file, 'utf8'), file);
}

function headerValue(headers: IncomingHttpHeaders, name: string): string | undefined {
  const value = headers[name];
  const first = Array.isArray(value) ? value[0] : value;
  return first === undefined || first === '' ? undefined : first;
}

function fromBearer(headers: IncomingHttpHeaders, tokens: TokenMap): CallerIdentity | null {
  const auth = headerValue(headers, 'authorization');
  if (!auth || auth.length < 8 || auth.slice(0, 7).toLowerCase() !== 'bearer ') return null;
  return tokens.get(sha256Hex(auth.slice(7).trim())) ?? null;
}

function fromHeader(headers: IncomingHttpHeaders, header: string, tokenHeader: string): CallerIdentity | null {
  const identity = headerValue(headers, header);
  if (!identity) return null;
  const tokenId = headerValue(headers, tokenHeader);
  return tokenId ? { identity, tokenId } : { identity };
}

function fromCertificate(request: IncomingMessage): CallerIdentity | null {
  const socket = request.socket as Partial<TLSSocket>;
  if (!socket.encrypted || !socket.authorized || typeof socket.getPeerCertificate !== 'function') return null;
  const cert = socket.getPeerCertificate();
  const cn = cert.subject?.CN;
  const identity = Array.isArray(cn) ? cn[0] : cn;
  if (!identity) return null;
  return { identity, tokenId: cert.fingerprint256 };
}

export interface Identifier {
  /** The caller of a proxied request, by the configured mode. */
  forRequest(request: IncomingMessage): CallerIdentity | null;
  /**
   * The caller named in a check request from nginx / Envoy: the mapped bearer token in `bearer`
   * mode (a client-set identity header is never trusted then), otherwise the identity header,
   * which the proxy in front sets (for mTLS: from the certificate subject it verified).
   */
  forCheck(headers: IncomingHttpHeaders): CallerIdentity | null;
}

export function createIdentifier(config: GatewayConfig['identify'], tokens: TokenMap | null): Identifier {
  if (config.mode === 'bearer' && tokens === null) throw new WardenError('WARDEN_USAGE', 'gateway.identify.mode is bearer but no gateway.identify.tokensFile is set');
  const header = config.header.toLowerCase();
  const tokenHeader = config.tokenHeader.toLowerCase();
  return {
    forRequest(request) {
      if (config.mode === 'bearer') return fromBearer(request.headers, tokens ?? new Map());
      if (config.mode === 'mtls') return fromCertificate(request);
      return fromHeader(request.headers, header, tokenHeader);
    },
    forCheck(headers) {
      if (config.mode === 'bearer') return fromBearer(headers, tokens ?? new Map());
      return fromHeader(headers, header, tokenHeader);
    },
  };
}
