/**
 * The one canonical request target the gateway matches blocks against AND forwards upstream, so
 * that no spelling of a blocked path (`/public/../admin/x`, `/%61dmin/x`, `//admin/x`, …) can be
 * matched as one path and resolved by the upstream as another. Pure: strings in, answer out; the
 * proxy and `/v1/check` both call it (docs/enforcement.md, "Canonical request target").
 *
 * The rules, in order:
 * 1. Only origin-form (`/path?query`) is accepted: `*`, absolute-form (`http://host/…`) and
 *    authority-form targets are refused; so are fragments (`#`, never sent by a real client),
 *    spaces, control characters and DEL anywhere in the target.
 * 2. Path: `%XX` must be two hex digits. Encoded unreserved characters (ALPHA DIGIT - . _ ~) are
 *    decoded; every other escape is kept with upper-case hex. Encoded control characters (`%00`…)
 *    are refused. `%2F`/`%5C` and raw `\` are refused (`encodedSlashes: reject`) or turned into
 *    `/` (`decode`). Raw bytes that may not appear in a path (`"`, `<`, `{`, `|`, bytes ≥ 0x80, …)
 *    are percent-encoded. A raw `;` (path parameter) is refused: Tomcat-like upstreams strip
 *    `;params` before resolving `..` (`/public/..;/admin`), others do not, so no single reading is
 *    safe.
 * 3. Repeated slashes are collapsed and dot segments removed (RFC 3986 5.2.4). A path whose
 *    reading depends on the order of those two steps (`/admin//../x`: nginx merges first and gets
 *    `/x`, a URL parser resolves first and gets `/admin/x`) is refused as ambiguous, and so is a
 *    path starting with `//` (URL parsers read `//host/…` as a host). With `encodedSlashes:
 *    decode`, the path must also resolve the same whether the upstream reads `%2F` / `\` as a
 *    slash or as a literal (`/admin/..%2Fpublic` is refused).
 * 4. The query is kept byte for byte; it never takes part in matching.
 */

/** Why a target or method was refused (400 `problem`); stable codes, listed in docs/enforcement.md. */
export const TARGET_PROBLEMS = ['empty-target', 'not-origin-form', 'control-character', 'fragment', 'bad-percent-encoding', 'encoded-slash', 'backslash', 'path-parameter', 'ambiguous-path', 'bad-method'] as const;
export type TargetProblem = (typeof TARGET_PROBLEMS)[number];

export interface TargetOptions {
  /** `reject`: `%2F`, `%5C` and `\` in the path are a 400; `decode`: they are read as `/`. */
  encodedSlashes: 'reject' | 'decode';
}

export interface CanonicalTarget {
  ok: true;
  /** Canonical path: what blocks are matched against and what the upstream receives. */
  path: string;
  /** `?…` exactly as received, or `''`. */
  query: string;
  /** `path + query`: the request target forwarded upstream. */
  target: string;
}

export interface RefusedTarget {
  ok: false;
  problem: TargetProblem;
  detail: string;
}

function refuse(problem: TargetProblem, detail: string): RefusedTarget {
  return { ok: false, problem, detail };
}

const HEX = '0123456789ABCDEF';

function isHex(code: number): boolean {
  return (code >= 0x30 && code <= 0x39) || (code >= 0x41 && code <= 0x46) || (code >= 0x61 && code <= 0x66);
}

function isUnreserved(code: number): boolean {
  return (code >= 0x41 && code <= 0x5a) || (code >= 0x61 && code <= 0x7a) || (code >= 0x30 && code <= 0x39) || code === 0x2d || code === 0x2e || code === 0x5f || code === 0x7e;
}

/** Characters a path may carry raw besides unreserved ones (RFC 3986 pchar minus `;`, plus `/`). */
const RAW_PATH_SAFE = new Set([...`!$&'()*+,=:@/`].map((c) => c.charCodeAt(0)));

function encodeByte(code: number): string {
  return `%${HEX[code >> 4]}${HEX[code & 15]}`;
}

/**
 * Resolves dot segments over `segments` (the path split on `/`, first element empty). With
 * `collapse`, empty segments are dropped first (nginx `merge_slashes on`); without, they are
 * kept as a WHATWG URL parser keeps them.
 */
function resolveSegments(segments: readonly string[], collapse: boolean): string {
  const stack: string[] = [];
  let trailingSlash = false;
  for (let k = 1; k < segments.length; k++) {
    const segment = segments[k] as string;
    const last = k === segments.length - 1;
    if (segment === '.' || segment === '..') {
      if (segment === '..') stack.pop();
      trailingSlash = last;
      continue;
    }
    if (segment === '' && collapse) {
      trailingSlash = last;
      continue;
    }
    stack.push(segment);
    trailingSlash = false;
  }
  return '/' + stack.join('/') + (trailingSlash && stack.length > 0 ? '/' : '');
}

/**
 * Stands for a `/` that was spelled `%2F`, `%5C` or `\` (`encodedSlashes: decode`), so the path
 * can be resolved both ways; a raw backslash never survives encoding otherwise.
 */
const DECODED_SLASH = '\\';

/** Decodes and re-encodes the raw path by rule 2; returns the problem when it must be refused. */
function normalisePathEncoding(rawPath: string, options: TargetOptions): string | RefusedTarget {
  let out = '';
  for (let i = 0; i < rawPath.length; i++) {
    const code = rawPath.charCodeAt(i);
    if (code === 0x25) {
      const hi = rawPath.charCodeAt(i + 1);
      const lo = rawPath.charCodeAt(i + 2);
      if (!isHex(hi) || !isHex(lo)) return refuse('bad-percent-encoding', `"%" at offset ${i} is not followed by two hex digits`);
      const byte = parseInt(rawPath.slice(i + 1, i + 3), 16);
      i += 2;
      if (byte === 0x2f || byte === 0x5c) {
        if (options.encodedSlashes === 'reject') return refuse('encoded-slash', 'an encoded slash or backslash (%2F, %5C) in the path is refused (gateway.encodedSlashes: reject)');
        out += DECODED_SLASH;
      } else if (byte < 0x20 || byte === 0x7f) {
        return refuse('control-character', `an encoded control character (%${HEX[byte >> 4]}${HEX[byte & 15]}) in the path is refused`);
      } else if (isUnreserved(byte)) {
        out += String.fromCharCode(byte);
      } else {
        out += encodeByte(byte);
      }
    } else if (code === 0x5c) {
      if (options.encodedSlashes === 'reject') return refuse('backslash', 'a backslash in the path is refused (gateway.encodedSlashes: reject)');
      out += DECODED_SLASH;
    } else if (code === 0x3b) {
      return refuse('path-parameter', 'a ";" path parameter is refused: upstreams disagree on whether it ends the segment');
    } else if (isUnreserved(code) || RAW_PATH_SAFE.has(code)) {
      out += rawPath[i];
    } else if (code <= 0xff) {
      out += encodeByte(code);
    } else {
      return refuse('control-character', 'a character beyond one byte in the request target is refused');
    }
  }
  return out;
}

/** The canonical form of a request target (`request.url`, `X-Original-URI`, or Envoy's suffix). */
export function canonicalRequestTarget(raw: string, options: TargetOptions): CanonicalTarget | RefusedTarget {
  if (raw === '') return refuse('empty-target', 'the request target is empty');
  if (raw.charCodeAt(0) !== 0x2f) return refuse('not-origin-form', 'only origin-form targets (/path?query) are accepted: not "*", not an absolute URL');
  for (let i = 0; i < raw.length; i++) {
    const code = raw.charCodeAt(i);
    if (code <= 0x20 || code === 0x7f) return refuse('control-character', `a space or control character (0x${code.toString(16).padStart(2, '0')}) in the request target is refused`);
    if (code === 0x23) return refuse('fragment', 'a fragment (#) in the request target is refused');
  }
  const q = raw.indexOf('?');
  const rawPath = q === -1 ? raw : raw.slice(0, q);
  const query = q === -1 ? '' : raw.slice(q);
  const encoded = normalisePathEncoding(rawPath, options);
  if (typeof encoded !== 'string') return encoded;
  const decoded = encoded.replaceAll(DECODED_SLASH, '/');
  if (decoded.startsWith('//')) return refuse('ambiguous-path', 'a path starting with "//" is read as a host by URL parsers');
  const segments = decoded.split('/');
  const merged = resolveSegments(segments, true);
  const unmerged = resolveSegments(segments, false).replace(/\/{2,}/g, '/');
  if (merged !== unmerged) return refuse('ambiguous-path', 'repeated slashes next to dot segments resolve differently upstream (merged first or not)');
  if (decoded !== encoded) {
    // An upstream that does not decode %2F (or, like nginx on Linux, keeps "\" literal) resolves
    // dot segments around it differently: both readings must agree.
    const literal = resolveSegments(encoded.split('/'), true).replaceAll(DECODED_SLASH, '/').replace(/\/{2,}/g, '/');
    if (literal !== merged) return refuse('ambiguous-path', 'dot segments next to an encoded slash or backslash resolve differently upstream (decoded or not)');
  }
  return { ok: true, path: merged, query, target: merged + query };
}

const TOKEN = /^[!#$%&'*+\-.^_`|~0-9A-Za-z]+$/;

/** A request method, validated as an HTTP token and upper-cased so `get` and `GET` are one action. */
export function canonicalMethod(raw: string): { ok: true; method: string } | RefusedTarget {
  if (!TOKEN.test(raw)) return refuse('bad-method', 'the request method is not an HTTP token');
  return { ok: true, method: raw.toUpperCase() };
}
