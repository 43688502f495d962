/**
 * Header mode names the caller by one header; node joins repeated headers with ", ", so two
 * identity headers (or one holding a list) must be refused, never read as whichever one some
 * component picks. Bearer mode never believes the identity header at all. /v1/check must be told
 * the original request: without it, a path-scoped block could never apply.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { rawRequest, startHarness } from './helpers.js';
import type { Harness, RawAnswer } from './helpers.js';

let headerMode: Harness;
let bearerMode: Harness;

beforeAll(async () => {
  headerMode = await startHarness();
  bearerMode = await startHarness({ identify: { mode: 'bearer', tokensFile: 'tokens.yaml' } });
});

afterAll(async () => {
  await Promise.all([headerMode.close(), bearerMode.close()]);
});

type Headers = Array<[string, string]>;
const original: Headers = [['X-Original-URI', '/items'], ['X-Original-Method', 'GET']];

async function bothWays(h: Harness, headers: Headers): Promise<[RawAnswer, RawAnswer]> {
  return [await rawRequest(h.gateway.port, 'GET', '/items', headers), await rawRequest(h.gateway.port, 'GET', '/v1/check', [...headers, ...original])];
}

describe('header mode: one caller, named once', () => {
  it('a single identity header still works: blocked → 403, others forwarded with that identity', async () => {
    const [proxied, checked] = await bothWays(headerMode, [['X-Warden-Identity', 'svc-blocked']]);
    expect(proxied.status).toBe(403);
    expect(checked.status).toBe(403);
    const ok = await rawRequest(headerMode.gateway.port, 'GET', '/items', [['X-Warden-Identity', 'svc-ok'], ['X-Warden-Token', 'tok-9']]);
    expect(ok.status).toBe(200);
    expect(headerMode.seen.at(-1)).toMatchObject({ identity: 'svc-ok', token: 'tok-9' });
  });

  it('two identity headers (the blocked one and another) are 400 in either order and any case', async () => {
    const before = headerMode.seen.length;
    for (const headers of [
      [['X-Warden-Identity', 'svc-blocked'], ['X-Warden-Identity', 'svc-ok']],
      [['X-Warden-Identity', 'svc-ok'], ['x-warden-identity', 'svc-blocked']],
      [['x-warden-identity', 'svc-ok'], ['X-WARDEN-IDENTITY', 'svc-ok']],
    ] as Headers[]) {
      for (const answer of await bothWays(headerMode, headers)) {
        expect(answer.status).toBe(400);
        expect(JSON.parse(answer.body)).toMatchObject({ error: 'bad_request', problem: 'duplicate-header' });
        expect(JSON.parse(answer.body).detail).toMatch(/x-warden-identity appears 2 times/);
      }
    }
    expect(headerMode.seen.length).toBe(before);
  });

  it('a list in one identity header is 400', async () => {
    for (const value of ['svc-blocked, svc-ok', 'svc-ok,svc-blocked', 'svc-blocked,']) {
      for (const answer of await bothWays(headerMode, [['X-Warden-Identity', value]])) {
        expect(answer.status, value).toBe(400);
        expect(JSON.parse(answer.body)).toMatchObject({ problem: 'header-list' });
      }
    }
  });

  it('two token headers, or a list in one, are 400', async () => {
    const twice = await bothWays(headerMode, [['X-Warden-Identity', 'svc-ok'], ['X-Warden-Token', 'tok-1'], ['X-Warden-Token', 'tok-2']]);
    for (const answer of twice) expect(JSON.parse(answer.body)).toMatchObject({ problem: 'duplicate-header' });
    const list = await bothWays(headerMode, [['X-Warden-Identity', 'svc-ok'], ['X-Warden-Token', 'tok-1, tok-2']]);
    for (const answer of list) expect(JSON.parse(answer.body)).toMatchObject({ problem: 'header-list' });
  });
});

describe('/v1/check needs the original request', () => {
  const check = (headers: Headers): Promise<RawAnswer> => rawRequest(headerMode.gateway.port, 'GET', '/v1/check', [['X-Warden-Identity', 'svc-a'], ...headers]);

  it('without X-Original-URI (and no Envoy path suffix) is 400, not a check of GET /', async () => {
    const answer = await check([['X-Original-Method', 'GET']]);
    expect(answer.status).toBe(400);
    expect(JSON.parse(answer.body)).toMatchObject({ problem: 'missing-original-uri' });
    expect((await check([])).status).toBe(400);
    expect((await rawRequest(headerMode.gateway.port, 'GET', '/v1/check?uri=/admin/x', [['X-Warden-Identity', 'svc-a']])).status).toBe(400);
  });

  it('without X-Original-Method is 400', async () => {
    const answer = await check([['X-Original-URI', '/admin/x']]);
    expect(answer.status).toBe(400);
    expect(JSON.parse(answer.body)).toMatchObject({ problem: 'missing-original-method' });
  });

  it('two X-Original-URI or X-Original-Method headers are 400', async () => {
    expect(JSON.parse((await check([['X-Original-URI', '/public/x'], ['X-Original-URI', '/admin/x'], ['X-Original-Method', 'GET']])).body)).toMatchObject({ problem: 'duplicate-header' });
    expect(JSON.parse((await check([['X-Original-URI', '/admin/x'], ['X-Original-Method', 'POST'], ['X-Original-Method', 'GET']])).body)).toMatchObject({ problem: 'duplicate-header' });
  });

  it('with both, the path-scoped block applies', async () => {
    expect((await check([['X-Original-URI', '/admin/x'], ['X-Original-Method', 'GET']])).status).toBe(403);
    expect((await check([['X-Original-URI', '/public/x'], ['X-Original-Method', 'GET']])).status).toBe(200);
  });
});

describe('bearer mode ignores a spoofed identity header', () => {
  it('names the caller by its token, whatever identity and token headers the client adds', async () => {
    const spoofed: Headers = [['Authorization', 'Bearer token-of-ok'], ['X-Warden-Identity', 'svc-blocked'], ['X-Warden-Identity', 'svc-a'], ['X-Warden-Token', 'forged']];
    const [proxied, checked] = await bothWays(bearerMode, spoofed);
    expect(proxied.status).toBe(200);
    expect(bearerMode.seen.at(-1)).toMatchObject({ identity: 'svc-ok', token: 'ok-1' });
    expect(checked.status).toBe(200);
    expect(checked.headers['x-warden-identity']).toBe('svc-ok');
  });

  it('a blocked token stays blocked under a spoofed identity, and its client-set token header is not forwarded', async () => {
    const spoof: Headers = [['Authorization', 'Bearer token-of-a'], ['X-Warden-Identity', 'svc-ok']];
    expect((await rawRequest(bearerMode.gateway.port, 'GET', '/admin/x', spoof)).status).toBe(403);
    expect((await rawRequest(bearerMode.gateway.port, 'GET', '/v1/check', [...spoof, ['X-Original-URI', '/admin/x'], ['X-Original-Method', 'GET']])).status).toBe(403);
    const ok = await rawRequest(bearerMode.gateway.port, 'GET', '/public/x', [...spoof, ['X-Warden-Token', 'forged']]);
    expect(ok.status).toBe(200);
    expect(bearerMode.seen.at(-1)).toMatchObject({ identity: 'svc-a', token: undefined });
  });

  it('two Authorization headers are 400', async () => {
    const answer = await rawRequest(bearerMode.gateway.port, 'GET', '/public/x', [['Authorization', 'Bearer token-of-ok'], ['Authorization', 'Bearer token-of-a']]);
    expect(answer.status).toBe(400);
    expect(JSON.parse(answer.body)).toMatchObject({ problem: 'duplicate-header' });
  });
});
