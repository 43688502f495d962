/**
 * Spellings of a blocked path must not get through the gateway, neither through the proxy nor
 * through /v1/check: every target is canonicalised once (src/enforcer/request-target.ts), matched,
 * and forwarded in that same form. Upstreams are modelled two ways: Node's WHATWG URL parser and
 * nginx with merge_slashes on.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { readFileSync } from 'node:fs';
import { CHECK_PROBLEMS } from '../../src/enforcer/gateway.js';
import { HEADER_PROBLEMS } from '../../src/enforcer/identify.js';
import { TARGET_PROBLEMS, canonicalRequestTarget } from '../../src/enforcer/request-target.js';
import { rawRequest, startHarness } from './helpers.js';
import type { Harness, RawAnswer } from './helpers.js';

let strict: Harness;
let decoding: Harness;

beforeAll(async () => {
  strict = await startHarness();
  decoding = await startHarness({ encodedSlashes: 'decode' });
});

afterAll(async () => {
  await Promise.all([strict.close(), decoding.close()]);
});

const asA: Array<[string, string]> = [['X-Warden-Identity', 'svc-a']];

function viaProxy(h: Harness, target: string, method = 'GET', identity = 'svc-a'): Promise<RawAnswer> {
  return rawRequest(h.gateway.port, method, target, [['X-Warden-Identity', identity]]);
}

function viaCheck(h: Harness, target: string, method = 'GET', identity = 'svc-a'): Promise<RawAnswer> {
  return rawRequest(h.gateway.port, 'GET', '/v1/check', [['X-Warden-Identity', identity], ['X-Original-URI', target], ['X-Original-Method', method]]);
}

/** Envoy ext_authz with path_prefix: the original target appended to the check path. */
function viaEnvoy(h: Harness, target: string, method = 'GET', identity = 'svc-a'): Promise<RawAnswer> {
  return rawRequest(h.gateway.port, method, '/v1/check' + target, [['X-Warden-Identity', identity]]);
}

const refused = (status: number): boolean => status === 400 || status === 403;

/** What the issue found, and neighbours of it: [target, status in reject mode]. */
const SPELLINGS: Array<[string, 400 | 403]> = [
  ['/admin/x', 403],
  ['/admin', 403],
  ['/public/../admin/x', 403],
  ['/./admin/x', 403],
  ['//admin/x', 400],
  ['/%61dmin/x', 403],
  ['/%61%64%6D%69%6e/x', 403],
  ['/admin%2fx', 400],
  ['/admin%2Fx', 400],
  ['/public/%2e%2e/admin/x', 403],
  ['/public/%2E./admin/x', 403],
  ['/%2e%2e/admin/x', 403],
  ['/admin//x', 403],
  ['/admin/./x', 403],
  ['/public/x/../../admin', 403],
  ['/admin\\x', 400],
  ['/admin%5cx', 400],
  ['/public\\..\\admin\\x', 400],
  ['/public/..%2fadmin/x', 400],
  ['/admin;x=1/y', 400],
  ['/public/..;/admin/x', 400],
  ['/admin//../x', 400],
  ['/admin/x#fragment', 400],
  ['/public/x#/../../admin/x', 400],
  ['/admin/x?a=/../', 403],
  ['/admin/x?/../../public', 403],
];

describe('every listed spelling of GET /admin/* is refused', () => {
  for (const [target, status] of SPELLINGS) {
    it(`${target} → ${status} through the proxy, /v1/check and the Envoy form`, async () => {
      const before = strict.seen.length;
      expect((await viaProxy(strict, target)).status).toBe(status);
      expect((await viaCheck(strict, target)).status).toBe(status);
      expect((await viaEnvoy(strict, target)).status).toBe(status);
      expect(strict.seen.length).toBe(before);
    });
  }

  it('the 400 body names the problem', async () => {
    const answer = await viaProxy(strict, '/admin%2fx');
    expect(JSON.parse(answer.body)).toMatchObject({ error: 'bad_request', problem: 'encoded-slash' });
    expect(JSON.parse((await viaCheck(strict, '/public/..;/admin/x')).body)).toMatchObject({ problem: 'path-parameter' });
  });

  it('with encodedSlashes: decode, %2F, %5C and \\ are slashes for matching and forwarding alike', async () => {
    for (const target of ['/admin%2fx', '/admin%5Cx', '/admin\\x', '/admin%2f%2fx']) {
      expect((await viaProxy(decoding, target)).status).toBe(403);
      expect((await viaCheck(decoding, target)).status).toBe(403);
    }
    // Dot segments next to an encoded slash resolve differently when the upstream keeps it encoded.
    for (const target of ['/public/..%2fadmin/x', '/admin/..%2fpublic', '/public\\..\\admin']) {
      expect((await viaProxy(decoding, target)).status, target).toBe(400);
      expect(JSON.parse((await viaCheck(decoding, target)).body), target).toMatchObject({ problem: 'ambiguous-path' });
    }
    const ok = await viaProxy(decoding, '/public%2Fx\\y', 'GET', 'svc-ok');
    expect(ok.status).toBe(200);
    expect(ok.body).toBe('upstream GET /public/x/y');
  });
});

describe('request targets that are not a path', () => {
  it('refuses "*", absolute-form, invalid percent-encoding and encoded NUL / control characters with 400', async () => {
    expect((await rawRequest(strict.gateway.port, 'OPTIONS', '*', asA)).status).toBe(400);
    expect((await rawRequest(strict.gateway.port, 'GET', 'http://127.0.0.1/admin/x', asA)).status).toBe(400);
    for (const target of ['*', 'http://127.0.0.1/admin/x', 'admin/x', '/adm%zzin/x', '/admin%', '/admin%00/x', '/admin%0a/x', '/admin%7F']) {
      expect((await viaCheck(strict, target, 'GET', 'svc-ok')).status, target).toBe(400);
    }
    for (const target of ['/adm%zzin/x', '/admin%00/x', '/x%1f']) expect((await viaProxy(strict, target, 'GET', 'svc-ok')).status, target).toBe(400);
  });
});

describe('the upstream gets exactly the target that was matched', () => {
  it('forwards the canonical path with the query unchanged', async () => {
    const answer = await viaProxy(strict, '/public/./x//y/../z/%7euser/%c3%a9/%41?q=/../a&b=%2f', 'GET', 'svc-ok');
    expect(answer.status).toBe(200);
    expect(answer.body).toBe('upstream GET /public/x/z/~user/%C3%A9/A?q=/../a&b=%2f');
  });

  it('a query or fragment cannot move the matched path', async () => {
    const answer = await viaProxy(strict, '/public/x?/../../admin/x', 'GET', 'svc-a');
    expect(answer.status).toBe(200);
    expect(answer.body).toBe('upstream GET /public/x?/../../admin/x');
    expect((await viaCheck(strict, '/public/x?/../../admin/x')).status).toBe(200);
    expect((await viaProxy(strict, '/public/x#/../../admin/x', 'GET', 'svc-ok')).status).toBe(400);
  });

  it('encodes bytes a path may not carry raw', async () => {
    const answer = await viaProxy(strict, '/public/a|b{c}"', 'GET', 'svc-ok');
    expect(answer.body).toBe('upstream GET /public/a%7Cb%7Bc%7D%22');
  });
});

describe('method case', () => {
  it('get, Get and GET are one method at /v1/check; a method that is not a token is 400', async () => {
    for (const method of ['GET', 'get', 'Get', 'gEt']) {
      expect((await viaCheck(strict, '/admin/x', method)).status, method).toBe(403);
      // Envoy's form carries the method on the request line, where node itself refuses `get`.
      expect(refused((await viaEnvoy(strict, '/admin/x', method)).status), method).toBe(true);
    }
    expect((await viaCheck(strict, '/admin/x', 'POST')).status).toBe(200);
    expect((await viaCheck(strict, '/admin/x', 'G(T')).status).toBe(400);
  });

  it('a lower-case method never reaches the upstream through the proxy', async () => {
    const before = strict.seen.length;
    expect(refused((await viaProxy(strict, '/admin/x', 'get')).status)).toBe(true);
    expect(strict.seen.length).toBe(before);
  });
});

// ---- property: spellings an upstream would resolve to a blocked path are refused ----

const UNRESERVED = /[A-Za-z0-9\-._~]/;

function decodeUnreserved(path: string): string {
  return path.replace(/%([0-9A-Fa-f]{2})/g, (escape, hex: string) => {
    const c = String.fromCharCode(parseInt(hex, 16));
    return UNRESERVED.test(c) ? c : escape;
  });
}

/** Node upstream: `new URL(target, base).pathname`, unreserved escapes decoded. */
function nodeUpstreamPath(target: string): string | null {
  try {
    return decodeUnreserved(new URL(target, 'http://upstream').pathname);
  } catch {
    return null;
  }
}

/** nginx upstream (merge_slashes on): cut query/fragment, decode every escape, merge slashes, resolve dots. */
function nginxUpstreamPath(target: string): string | null {
  const raw = target.split('?')[0]?.split('#')[0] ?? '';
  let decoded: string;
  try {
    decoded = decodeURIComponent(raw);
  } catch {
    return null;
  }
  const out: string[] = [];
  const segments = decoded.replace(/\/{2,}/g, '/').split('/').slice(1);
  segments.forEach((segment, k) => {
    if (segment === '..') out.pop();
    else if (segment !== '.') out.push(segment);
    if ((segment === '.' || segment === '..') && k === segments.length - 1) out.push('');
  });
  return '/' + out.join('/');
}

const isBlockedPath = (path: string | null): boolean => path !== null && /^\/admin(\/.*)?$/.test(path);

function escapes(c: string): string[] {
  const hex = c.charCodeAt(0).toString(16).padStart(2, '0');
  return [...new Set([hex.toLowerCase(), hex.toUpperCase(), hex[0]!.toUpperCase() + hex[1]!.toLowerCase(), hex[0]!.toLowerCase() + hex[1]!.toUpperCase()])].map((h) => `%${h}`);
}

const spellChar = (c: string): fc.Arbitrary<string> => fc.constantFrom(c, c, ...escapes(c));
const spellWord = (word: string): fc.Arbitrary<string> => fc.tuple(...[...word].map(spellChar)).map((parts) => parts.join(''));
const dot = fc.constantFrom('.', '%2e', '%2E');
const dotDot = fc.tuple(dot, dot).map(([a, b]) => a + b);
const junk = fc.constantFrom('public', 'x', 'admin', '%70ublic');

/** Separators that resolve to one `/` in both upstream models. */
const plainSeparator = fc.oneof(
  fc.constant('/'),
  fc.constant('//'),
  dot.map((d) => `/${d}/`),
  fc.tuple(junk, dotDot).map(([j, dd]) => `/${j}/${dd}/`),
);
/** Everything else: encoded and raw (back)slashes, and dot segments after an empty one. */
const trickySeparator = fc.oneof(
  plainSeparator,
  fc.constantFrom('%2f', '%2F', '%5c', '%5C', '\\', '/\\', '/%2f'),
  fc.tuple(junk, dotDot).map(([j, dd]) => `/${j}//${dd}/`),
  fc.tuple(junk, dotDot).map(([j, dd]) => `/${j}/${dd}%2f`),
  fc.tuple(junk, dotDot).map(([j, dd]) => `\\${j}\\${dd}\\`),
);

function spellPath(segments: readonly string[], separator: fc.Arbitrary<string>, first: fc.Arbitrary<string>, trailingSlash: boolean): fc.Arbitrary<string> {
  return fc
    .tuple(first, ...segments.map((s, i) => fc.tuple(i === 0 ? fc.constant('') : separator, spellWord(s))))
    .map(([lead, ...parts]) => lead + parts.map(([sep, word]) => sep + word).join('') + (trailingSlash ? '/' : ''));
}

const suffix = fc.constantFrom('', '?a=/../x', '?/../../public', '?q=%2f..%2f', '#frag', '#/../../public/x', '?x#y');
const methodSpelling = fc.constantFrom('GET', 'get', 'Get', 'gEt');
const BLOCKED_BASES = [['admin', 'x'], ['admin'], ['admin', 'users', '7']];
const HARMLESS_BASES = [['public', 'x'], ['administrator'], ['public', 'admin']];

const anySpelling = fc
  .tuple(fc.constantFrom(...BLOCKED_BASES, ...HARMLESS_BASES), fc.boolean())
  .chain(([segments, trailing]) => fc.tuple(spellPath(segments, trickySeparator, trickySeparator, trailing), suffix, methodSpelling))
  .map(([path, tail, method]) => ({ target: path + tail, method }));

describe('property: spellings an upstream resolves to a blocked path', () => {
  it('are refused through the proxy and /v1/check, under both upstream models and both encodedSlashes settings', async () => {
    await fc.assert(
      fc.asyncProperty(anySpelling, fc.boolean(), async ({ target, method }, decode) => {
        const h = decode ? decoding : strict;
        const blocked = isBlockedPath(nodeUpstreamPath(target)) || isBlockedPath(nginxUpstreamPath(target));
        const proxied = await viaProxy(h, target, method.toUpperCase());
        const checked = await viaCheck(h, target, method);
        if (blocked) {
          expect(refused(proxied.status), `proxy ${method} ${target} → ${proxied.status}`).toBe(true);
          expect(refused(checked.status), `check ${method} ${target} → ${checked.status}`).toBe(true);
        }
        // Whatever got through reached the upstream as a path no model reads as blocked.
        if (proxied.status === 200) {
          const received = proxied.body.replace(/^upstream GET /, '');
          expect(isBlockedPath(nodeUpstreamPath(received)) || isBlockedPath(nginxUpstreamPath(received)), `${target} forwarded as ${received}`).toBe(false);
        }
        expect(proxied.status === 200).toBe(checked.status === 200);
      }),
      { numRuns: 400 },
    );
  });

  it('harmless paths spelled any plain way are not over-blocked, and reach the upstream canonical', async () => {
    const harmless = fc
      .tuple(fc.constantFrom(...HARMLESS_BASES), fc.boolean())
      .chain(([segments, trailing]) => fc.tuple(fc.constant(segments), fc.constant(trailing), spellPath(segments, plainSeparator, fc.constant('/'), trailing), fc.constantFrom('', '?a=/../admin/x', '?q=1')));
    await fc.assert(
      fc.asyncProperty(harmless, async ([segments, trailing, path, query]) => {
        const canonical = '/' + segments.join('/') + (trailing ? '/' : '') + query;
        const proxied = await viaProxy(strict, path + query);
        expect(proxied.status, `${path}${query}`).toBe(200);
        expect(proxied.body).toBe(`upstream GET ${canonical}`);
        expect((await viaCheck(strict, path + query)).status).toBe(200);
      }),
      { numRuns: 200 },
    );
  });

  it('the canonical form is a fixed point', () => {
    fc.assert(
      fc.property(anySpelling, fc.constantFrom('reject' as const, 'decode' as const), ({ target }, encodedSlashes) => {
        const once = canonicalRequestTarget(target, { encodedSlashes });
        if (!once.ok) return;
        expect(canonicalRequestTarget(once.target, { encodedSlashes })).toEqual(once);
      }),
      { numRuns: 1000 },
    );
  });
});

describe('the 400 problem codes', () => {
  it('docs/enforcement.md lists exactly the codes the gateway can answer', () => {
    const docs = readFileSync('docs/enforcement.md', 'utf8');
    const table = docs.slice(docs.indexOf('| problem | when |'), docs.indexOf('### `/v1/check`'));
    const documented = [...table.matchAll(/^\| `([a-z-]+)` \|/gm)].map((m) => m[1]);
    expect(documented.sort()).toEqual([...TARGET_PROBLEMS, ...HEADER_PROBLEMS, ...CHECK_PROBLEMS].sort());
  });
});
