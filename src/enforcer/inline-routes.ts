/**
 * Inline mode's request → action mapping (`gateway.inline.routes`, docs/enforcement.md): the
 * configured routes, first match wins, then the generic REST reading of the path. Pure: the
 * canonical method and path in, the event's action and resource out. Built once from config; the
 * hot path only splits the path and compares segments.
 */
import type { IncomingHttpHeaders } from 'node:http';
import type { InlineRouteConfig } from '../config/sections/gateway.js';
import { WardenError } from '../errors.js';

/** What a request is, as an audit event. */
export interface RequestMapping {
  action: string;
  resource: string;
  readOnly?: boolean;
  privileged?: boolean;
  /** `attributes.request` of the event (route `request` templates), for the knowledge pack's conditions. */
  request?: Record<string, string>;
  /** `METHOD path-template` of the route that matched, or null for the generic mapping. */
  route: string | null;
}

export interface RouteRequest {
  /** Canonical upper-case method. */
  method: string;
  /** Canonical path (request-target.ts): escapes kept, no dot segments, no empty segments. */
  path: string;
  /** `?…` as received, or `''`. */
  query: string;
  headers: IncomingHttpHeaders;
}

export type RouteMapper = (request: RouteRequest) => RequestMapping;

type Segment = { kind: 'literal'; text: string } | { kind: 'param'; name: string } | { kind: 'rest'; name: string };
type Part = ({ kind: 'text'; text: string } | { kind: 'param'; name: string } | { kind: 'query'; name: string } | { kind: 'header'; name: string } | { kind: 'method' }) & { last?: boolean };

interface CompiledRoute {
  label: string;
  method: string;
  segments: Segment[];
  action: Part[];
  resource: Part[] | null;
  request: Array<[string, Part[]]>;
  readOnly?: boolean;
  privileged?: boolean;
}

function parsePath(path: string): Segment[] {
  if (path === '/') return [];
  return path
    .slice(1)
    .split('/')
    .map((s): Segment => {
      const m = /^\{([A-Za-z_][A-Za-z0-9_]*)(\+?)\}$/.exec(s);
      if (!m) return { kind: 'literal', text: s };
      return m[2] === '+' ? { kind: 'rest', name: m[1]! } : { kind: 'param', name: m[1]! };
    });
}

function parseTemplate(template: string, params: ReadonlySet<string>, where: string): Part[] {
  const parts: Part[] = [];
  const re = /\{([^{}]*)\}/g;
  let last = 0;
  for (let m = re.exec(template); m !== null; m = re.exec(template)) {
    if (m.index > last) parts.push({ kind: 'text', text: template.slice(last, m.index) });
    last = re.lastIndex;
    const full = m[1] ?? '';
    // `{…|last}`: only what follows the last `.`, `:`, `/` or `#` (X-Amz-Target: AWSBackup.DeleteBackupVault → DeleteBackupVault).
    const lastPart = full.endsWith('|last');
    const name = lastPart ? full.slice(0, -5) : full;
    const flag = lastPart ? { last: true } : {};
    if (name === 'method') parts.push({ kind: 'method', ...flag });
    else if (name.startsWith('query.') && name.length > 6) parts.push({ kind: 'query', name: name.slice(6), ...flag });
    else if (name.startsWith('header.') && name.length > 7) parts.push({ kind: 'header', name: name.slice(7).toLowerCase(), ...flag });
    else if (params.has(name)) parts.push({ kind: 'param', name, ...flag });
    else throw new WardenError('WARDEN_CONFIG_INVALID', `gateway.inline.routes: ${where} uses {${name}}, which is neither a parameter of its path ({${[...params].join('}, {')}}) nor {method}, {query.NAME} or {header.NAME}`);
  }
  if (last < template.length) parts.push({ kind: 'text', text: template.slice(last) });
  return parts;
}

/** Percent-decoded segment text for actions and resources; the canonical form keeps only valid escapes. */
function decoded(text: string): string {
  if (!text.includes('%')) return text;
  try {
    return decodeURIComponent(text);
  } catch {
    return text;
  }
}

function headerValue(headers: IncomingHttpHeaders, name: string): string {
  const v = headers[name];
  return Array.isArray(v) ? (v[0] ?? '') : (v ?? '');
}

/** Fills a template; null when a `{query.…}` or `{header.…}` it needs is absent (the route does not apply). */
function fill(parts: readonly Part[], params: ReadonlyMap<string, string>, request: RouteRequest, query: () => URLSearchParams): string | null {
  let out = '';
  for (const p of parts) {
    let value: string;
    switch (p.kind) {
      case 'text':
        out += p.text;
        continue;
      case 'method':
        value = request.method;
        break;
      case 'param':
        value = params.get(p.name) ?? '';
        break;
      case 'query':
        value = query().get(p.name) ?? '';
        if (!value) return null;
        break;
      case 'header':
        value = headerValue(request.headers, p.name);
        if (!value) return null;
        break;
    }
    if (p.last) {
      value = value.slice(Math.max(value.lastIndexOf('.'), value.lastIndexOf(':'), value.lastIndexOf('/'), value.lastIndexOf('#')) + 1);
      if (!value && p.kind !== 'param') return null;
    }
    out += value;
  }
  return out;
}

function matchSegments(segments: readonly Segment[], path: readonly string[]): Map<string, string> | null {
  const params = new Map<string, string>();
  for (let i = 0; i < segments.length; i++) {
    const s = segments[i]!;
    if (s.kind === 'rest') {
      if (i >= path.length) return null;
      params.set(s.name, path.slice(i).map(decoded).join('/'));
      return params;
    }
    const got = path[i];
    if (got === undefined) return null;
    if (s.kind === 'literal') {
      if (s.text !== got) return null;
    } else params.set(s.name, decoded(got));
  }
  return segments.length === path.length ? params : null;
}

function pascal(text: string): string {
  return text
    .split(/[^A-Za-z0-9]+/)
    .filter(Boolean)
    .map((w) => w[0]!.toUpperCase() + w.slice(1))
    .join('');
}

function singular(word: string): string {
  if (/ies$/i.test(word)) return word.slice(0, -3) + 'y';
  if (/(ss|x|ch|sh)es$/i.test(word)) return word.slice(0, -2);
  if (/[^s]s$/i.test(word)) return word.slice(0, -1);
  return word;
}

const COLLECTION_VERBS: Record<string, string> = { GET: 'List', HEAD: 'List', POST: 'Create', PUT: 'Put', PATCH: 'Update', DELETE: 'Delete' };
const ITEM_VERBS: Record<string, string> = { GET: 'Get', HEAD: 'Get', POST: 'Post', PUT: 'Put', PATCH: 'Update', DELETE: 'Delete' };

/**
 * The generic REST reading: the first segment is the service, then collections and ids alternate.
 * `GET /iam/users` → `iam:ListUsers`, `GET /iam/users/alice` → `iam:GetUser`,
 * `POST /iam/users/alice/access-keys` → `iam:CreateAccessKey`, `DELETE /iam/users/alice` →
 * `iam:DeleteUser`, `GET /` → `http:List`. The resource is the canonical path.
 */
export function genericMapping(method: string, path: string): RequestMapping {
  const segments = path.split('/').filter(Boolean).map(decoded);
  const service = (segments[0] ?? 'http').toLowerCase().replace(/[^a-z0-9-]+/g, '') || 'http';
  const rest = segments.slice(1);
  let action: string;
  if (rest.length === 0) {
    action = COLLECTION_VERBS[method] ?? pascal(method.toLowerCase());
  } else if (rest.length % 2 === 1) {
    const collection = rest[rest.length - 1]!;
    const verb = COLLECTION_VERBS[method] ?? pascal(method.toLowerCase());
    action = verb + pascal(verb === 'List' ? collection : singular(collection));
  } else {
    const collection = rest[rest.length - 2]!;
    action = (ITEM_VERBS[method] ?? pascal(method.toLowerCase())) + pascal(singular(collection));
  }
  return { action: `${service}:${action}`, resource: path, route: null };
}

/** Compiles `gateway.inline.routes`; throws WARDEN_CONFIG_INVALID naming a route whose templates do not fit its path. */
export function compileRoutes(routes: readonly InlineRouteConfig[]): RouteMapper {
  const compiled: CompiledRoute[] = routes.map((r, i) => {
    const label = `${r.method} ${r.path}`;
    const segments = parsePath(r.path);
    const names = segments.filter((s) => s.kind !== 'literal').map((s) => (s as { name: string }).name);
    if (new Set(names).size !== names.length) throw new WardenError('WARDEN_CONFIG_INVALID', `gateway.inline.routes[${i}] (${label}): a parameter name appears twice in the path`);
    const params = new Set(names);
    return {
      label,
      method: r.method,
      segments,
      action: parseTemplate(r.action, params, `routes[${i}] (${label}) action`),
      resource: r.resource !== undefined ? parseTemplate(r.resource, params, `routes[${i}] (${label}) resource`) : null,
      request: Object.entries(r.request ?? {}).map(([name, t]): [string, Part[]] => [name, parseTemplate(t, params, `routes[${i}] (${label}) request.${name}`)]),
      ...(r.readOnly !== undefined ? { readOnly: r.readOnly } : {}),
      ...(r.privileged !== undefined ? { privileged: r.privileged } : {}),
    };
  });
  return (request) => {
    if (compiled.length > 0) {
      const path = request.path === '/' ? [] : request.path.slice(1).split('/');
      let query: URLSearchParams | undefined;
      const readQuery = (): URLSearchParams => (query ??= new URLSearchParams(request.query));
      for (const route of compiled) {
        if (route.method !== '*' && route.method !== request.method) continue;
        const params = matchSegments(route.segments, path);
        if (!params) continue;
        const action = fill(route.action, params, request, readQuery);
        if (action === null || action === '') continue;
        const resource = route.resource ? fill(route.resource, params, request, readQuery) : request.path;
        let fields: Record<string, string> | undefined;
        for (const [name, parts] of route.request) {
          const value = fill(parts, params, request, readQuery);
          if (value !== null && value !== '') (fields ??= {})[name] = value;
        }
        return {
          action,
          resource: resource || request.path,
          route: route.label,
          ...(fields ? { request: fields } : {}),
          ...(route.readOnly !== undefined ? { readOnly: route.readOnly } : {}),
          ...(route.privileged !== undefined ? { privileged: route.privileged } : {}),
        };
      }
    }
    return genericMapping(request.method, request.path);
  };
}
