/**
 * Who is asking, for every console request: a bearer token, a login-form session cookie, or the
 * user header of a trusted reverse proxy. There are no default credentials; with none configured
 * the console refuses to start. Each principal has a role (`operator` may block and lift,
 * `read-only` may look) and a CSRF token bound to how it authenticated.
 */
import { createHash, createHmac, randomBytes, timingSafeEqual } from 'node:crypto';
import { readFileSync } from 'node:fs';
import ipaddr from 'ipaddr.js';
import { parse as parseYaml } from 'yaml';
import { z } from 'zod';
import { WardenError } from '../errors.js';
import type { ConsoleConfig } from '../config/sections/console.js';

export type Role = 'operator' | 'read-only';

export interface Principal {
  name: string;
  role: Role;
  via: 'token' | 'session' | 'proxy';
  /** What the CSRF token is bound to (token digest, session id, proxy user). */
  binding: string;
}

export interface RequestCredentials {
  authorization?: string | undefined;
  cookie?: string | undefined;
  headers: Readonly<Record<string, string | string[] | undefined>>;
  remoteAddress: string | undefined;
}

interface TokenHolder {
  name: string;
  role: Role;
}

export const SESSION_COOKIE = 'warden_console';

const tokenFileSchema = z.strictObject({
  tokens: z
    .array(
      z
        .strictObject({
          name: z.string().min(1),
          role: z.enum(['operator', 'read-only']),
          token: z.string().min(16, 'a console token must be at least 16 characters').optional(),
          sha256: z.string().regex(/^[0-9a-fA-F]{64}$/).optional(),
        })
        .refine((t) => (t.token === undefined) !== (t.sha256 === undefined), { message: 'give exactly one of token or sha256' }),
    )
    .min(1),
});

function sha256Hex(text: string): string {
  return createHash('sha256').update(text).digest('hex');
}

/** Reads a console token file into sha256(token) → holder. */
export function loadConsoleTokens(file: string): Map<string, TokenHolder> {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (cause) {
    throw new WardenError('WARDEN_CONSOLE_AUTH', `cannot read the console token file ${file}`, { cause });
  }
  let parsed: unknown;
  try {
    parsed = parseYaml(text);
  } catch (cause) {
    throw new WardenError('WARDEN_CONSOLE_AUTH', `the console token file ${file} is not YAML`, { cause });
  }
  const result = tokenFileSchema.safeParse(parsed);
  if (!result.success) {
    throw new WardenError('WARDEN_CONSOLE_AUTH', `${file}: ${result.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ')}`);
  }
  const tokens = new Map<string, TokenHolder>();
  for (const t of result.data.tokens) tokens.set(t.sha256?.toLowerCase() ?? sha256Hex(t.token ?? ''), { name: t.name, role: t.role });
  return tokens;
}

function safeEqual(a: string, b: string): boolean {
  const x = Buffer.from(a);
  const y = Buffer.from(b);
  return x.length === y.length && timingSafeEqual(x, y);
}

function cookieValue(header: string | undefined, name: string): string | null {
  if (!header) return null;
  for (const part of header.split(';')) {
    const eq = part.indexOf('=');
    if (eq > 0 && part.slice(0, eq).trim() === name) return part.slice(eq + 1).trim();
  }
  return null;
}

function firstHeader(value: string | string[] | undefined): string | undefined {
  return Array.isArray(value) ? value[0] : value;
}

interface Session {
  name: string;
  role: Role;
  expiresAt: number;
}

export interface ConsoleAuthOptions {
  tokens: ReadonlyMap<string, TokenHolder>;
  proxy?: ConsoleConfig['proxy'];
  sessionMs: number;
  secureCookie: boolean;
  now?: () => number;
}

export class ConsoleAuth {
  private readonly sessions = new Map<string, Session>();
  private readonly secret = randomBytes(32);
  private readonly trusted: Array<[ipaddr.IPv4 | ipaddr.IPv6, number]>;
  private readonly now: () => number;

  constructor(private readonly options: ConsoleAuthOptions) {
    this.now = options.now ?? Date.now;
    this.trusted = (options.proxy?.trustedProxies ?? []).map((entry) => {
      try {
        return entry.includes('/') ? ipaddr.parseCIDR(entry) : (() => {
          const addr = ipaddr.parse(entry);
          return [addr, addr.kind() === 'ipv4' ? 32 : 128] as [ipaddr.IPv4 | ipaddr.IPv6, number];
        })();
      } catch (cause) {
        throw new WardenError('WARDEN_CONFIG_INVALID', `console.proxy.trustedProxies: "${entry}" is not an address or CIDR range`, { cause });
      }
    });
  }

  /** Whether login with a token (the form, or a bearer header) is possible at all. */
  get acceptsTokens(): boolean {
    return this.options.tokens.size > 0;
  }

  private fromTrustedProxy(remote: string | undefined): boolean {
    if (!remote || this.trusted.length === 0) return false;
    let addr: ipaddr.IPv4 | ipaddr.IPv6;
    try {
      addr = ipaddr.process(remote);
    } catch {
      return false;
    }
    return this.trusted.some(([range, bits]) => addr.kind() === range.kind() && addr.match(range, bits));
  }

  private byToken(token: string): Principal | null {
    const digest = sha256Hex(token);
    const holder = this.options.tokens.get(digest);
    return holder ? { name: holder.name, role: holder.role, via: 'token', binding: `t:${digest}` } : null;
  }

  authenticate(req: RequestCredentials): Principal | null {
    const auth = req.authorization;
    if (auth && /^bearer /i.test(auth)) return this.byToken(auth.slice(7).trim());
    const sid = cookieValue(req.cookie, SESSION_COOKIE);
    if (sid) {
      const session = this.sessions.get(sid);
      if (session && session.expiresAt > this.now()) return { name: session.name, role: session.role, via: 'session', binding: `s:${sid}` };
      if (session) this.sessions.delete(sid);
    }
    const proxy = this.options.proxy;
    if (proxy && this.fromTrustedProxy(req.remoteAddress)) {
      const user = firstHeader(req.headers[proxy.header])?.trim();
      if (user) {
        const groups = proxy.groupsHeader ? (firstHeader(req.headers[proxy.groupsHeader]) ?? '').split(',').map((g) => g.trim()).filter(Boolean) : [];
        const operator = proxy.operators.includes(user) || groups.some((g) => proxy.operatorGroups.includes(g));
        return { name: user, role: operator ? 'operator' : 'read-only', via: 'proxy', binding: `p:${user}` };
      }
    }
    return null;
  }

  /** A login with a token: the Set-Cookie value of a new session, or null for a wrong token. */
  login(token: string): { principal: Principal; cookie: string } | null {
    const byToken = this.byToken(token.trim());
    if (!byToken) return null;
    this.expireSessions();
    const sid = randomBytes(32).toString('base64url');
    this.sessions.set(sid, { name: byToken.name, role: byToken.role, expiresAt: this.now() + this.options.sessionMs });
    const maxAge = Math.floor(this.options.sessionMs / 1000);
    const cookie = `${SESSION_COOKIE}=${sid}; Path=/; HttpOnly; SameSite=Strict; Max-Age=${maxAge}${this.options.secureCookie ? '; Secure' : ''}`;
    return { principal: { name: byToken.name, role: byToken.role, via: 'session', binding: `s:${sid}` }, cookie };
  }

  /** Ends the session of a cookie header; returns the Set-Cookie value that clears it. */
  logout(cookieHeader: string | undefined): string {
    const sid = cookieValue(cookieHeader, SESSION_COOKIE);
    if (sid) this.sessions.delete(sid);
    return `${SESSION_COOKIE}=; Path=/; HttpOnly; SameSite=Strict; Max-Age=0${this.options.secureCookie ? '; Secure' : ''}`;
  }

  csrfToken(principal: Principal): string {
    return createHmac('sha256', this.secret).update(`csrf:${principal.binding}`).digest('base64url');
  }

  checkCsrf(principal: Principal, token: unknown): boolean {
    return typeof token === 'string' && safeEqual(token, this.csrfToken(principal));
  }

  private expireSessions(): void {
    const now = this.now();
    for (const [sid, s] of this.sessions) if (s.expiresAt <= now) this.sessions.delete(sid);
  }
}

/** The console's auth from its config and environment; refuses a console nobody could log in to. */
export function consoleAuthFrom(config: ConsoleConfig, env: NodeJS.ProcessEnv = process.env): ConsoleAuth {
  const tokens = config.tokenFile ? loadConsoleTokens(config.tokenFile) : new Map<string, TokenHolder>();
  const envToken = env.WARDEN_CONSOLE_TOKEN?.trim();
  if (envToken) {
    if (envToken.length < 16) throw new WardenError('WARDEN_CONSOLE_AUTH', 'WARDEN_CONSOLE_TOKEN must be at least 16 characters (e.g. `openssl rand -hex 32`)');
    tokens.set(sha256Hex(envToken), { name: config.envToken.name, role: config.envToken.role });
  }
  if (tokens.size === 0 && !config.proxy) {
    throw new WardenError('WARDEN_CONSOLE_AUTH', 'the console has no way to authenticate operators and will not start without one', {
      hint: 'set WARDEN_CONSOLE_TOKEN (e.g. `export WARDEN_CONSOLE_TOKEN=$(openssl rand -hex 32)`), console.tokenFile, or console.proxy (docs/console.md)',
    });
  }
  return new ConsoleAuth({ tokens, proxy: config.proxy, sessionMs: config.sessionHours * 3_600_000, secureCookie: config.secureCookie });
}
