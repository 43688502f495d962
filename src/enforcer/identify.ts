/**
 * Who is calling: the gateway's caller identification, chosen by config. `header` trusts a header
 * set by something in front (a mesh, nginx); `bearer` maps `Authorization: Bearer <token>` to an
 * identity through a tokens file (tokens may be stored as SHA-256 so the file holds no secret);
 * `mtls` takes the subject CN of a verified client certificate and its fingerprint as token id.
 */
import { createHash } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import type { IncomingMessage } from 'node:http';
import type { TLSSocket } from 'node:tls';
import { z } from 'zod';
import { WardenError } from '../errors.js';
import { loadYaml } from '../common/yaml-source.js';
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

/** Why a request's caller headers were refused (400 `problem`); stable codes, listed in docs/enforcement.md. */
export const HEADER_PROBLEMS = ['duplicate-header', 'header-list'] as const;
export type HeaderProblem = (typeof HEADER_PROBLEMS)[number];

/** The caller (or `null`: nobody named), or why the request names its caller ambiguously. */
export type Identification = { ok: true; caller: CallerIdentity | null } | { ok: false; problem: HeaderProblem; detail: string };

type HeaderRead = { ok: true; value: string | undefined } | { ok: false; problem: HeaderProblem; detail: string };

/**
 * The one value of header `name` (lower case), read from `rawHeaders` because `headers` joins
 * duplicates with ", " (and keeps only the first of some): two identity headers, or one holding a
 * list, must be refused rather than read as whichever one a component happens to pick.
 */
export function singleHeader(rawHeaders: readonly string[], name: string, list: 'refuse-list' | 'allow-list'): HeaderRead {
  let value: string | undefined;
  let seen = 0;
  for (let i = 0; i + 1 < rawHeaders.length; i += 2) {
    if ((rawHeaders[i] as string).toLowerCase() !== name) continue;
    seen++;
    value = rawHeaders[i + 1] as string;
  }
  if (seen > 1) return { ok: false, problem: 'duplicate-header', detail: `${name} appears ${seen} times; send it once` };
  if (value !== undefined && list === 'refuse-list' && value.includes(',')) return { ok: false, problem: 'header-list', detail: `${name} holds a list (","); send one value` };
  return { ok: true, value: value === undefined || value.trim() === '' ? undefined : value.trim() };
}

function fromBearer(rawHeaders: readonly string[], tokens: TokenMap): Identification {
  const read = singleHeader(rawHeaders, 'authorization', 'allow-list');
  if (!read.ok) return read;
  const auth = read.value;
  if (!auth || auth.length < 8 || auth.slice(0, 7).toLowerCase() !== 'bearer ') return { ok: true, caller: null };
  return { ok: true, caller: tokens.get(sha256Hex(auth.slice(7).trim())) ?? null };
}

function fromHeader(rawHeaders: readonly string[], header: string, tokenHeader: string): Identification {
  const identity = singleHeader(rawHeaders, header, 'refuse-list');
  if (!identity.ok) return identity;
  const tokenId = singleHeader(rawHeaders, tokenHeader, 'refuse-list');
  if (!tokenId.ok) return tokenId;
  if (!identity.value) return { ok: true, caller: null };
  return { ok: true, caller: tokenId.value ? { identity: identity.value, tokenId: tokenId.value } : { identity: identity.value } };
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
  forRequest(request: IncomingMessage): Identification;
  /**
   * The caller named in a check request from nginx / Envoy: the mapped bearer token in `bearer`
   * mode (a client-set identity header is never trusted then), otherwise the identity header,
   * which the proxy in front sets (for mTLS: from the certificate subject it verified).
   */
  forCheck(request: IncomingMessage): Identification;
}

export function createIdentifier(config: GatewayConfig['identify'], tokens: TokenMap | null): Identifier {
  if (config.mode === 'bearer' && tokens === null) throw new WardenError('WARDEN_USAGE', 'gateway.identify.mode is bearer but no gateway.identify.tokensFile is set');
  const header = config.header.toLowerCase();
  const tokenHeader = config.tokenHeader.toLowerCase();
  const tokenMap = tokens ?? new Map<string, CallerIdentity>();
  return {
    forRequest(request) {
      if (config.mode === 'bearer') return fromBearer(request.rawHeaders, tokenMap);
      if (config.mode === 'mtls') return { ok: true, caller: fromCertificate(request) };
      return fromHeader(request.rawHeaders, header, tokenHeader);
    },
    forCheck(request) {
      if (config.mode === 'bearer') return fromBearer(request.rawHeaders, tokenMap);
      return fromHeader(request.rawHeaders, header, tokenHeader);
    },
  };
}
