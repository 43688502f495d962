import { afterEach, describe, expect, it } from 'vitest';
import { OPERATOR_TOKEN, VIEWER_TOKEN, decision, profileOf, testConsole } from './fixtures.js';
import type { TestConsole } from './fixtures.js';

const bearer = { authorization: `Bearer ${OPERATOR_TOKEN}` };
let c: TestConsole;
afterEach(async () => {
  c?.live.close();
  await c?.app.close();
});

function csrfOf(page: string): string {
  const m = /name="csrf" value="([^"]+)"/.exec(page);
  if (!m?.[1]) throw new Error('no csrf field on the page');
  return m[1];
}

describe('console routes', () => {
  it('answers 401 without credentials: JSON for the API and stream, the login page for pages', async () => {
    c = await testConsole();
    const api = await c.app.inject({ url: '/api/decisions' });
    expect(api.statusCode).toBe(401);
    expect(api.headers['www-authenticate']).toMatch(/^Bearer/);
    expect((await c.app.inject({ url: '/live/stream' })).statusCode).toBe(401);
    const page = await c.app.inject({ url: '/identities/svc-deployer', headers: { accept: 'text/html' } });
    expect(page.statusCode).toBe(401);
    expect(page.body).toContain('name="token"');
    expect(page.body).not.toContain('svc-deployer</h1>');
    expect((await c.app.inject({ url: '/', headers: { authorization: 'Bearer wrong-token-wrong-token' } })).statusCode).toBe(401);
  });

  it('signs in with the form: a Secure, HttpOnly, SameSite=Strict cookie; a wrong token is refused; next stays on this site', async () => {
    c = await testConsole();
    const bad = await c.app.inject({ method: 'POST', url: '/login', payload: 'token=nope&next=/fleet', headers: { 'content-type': 'application/x-www-form-urlencoded' } });
    expect(bad.statusCode).toBe(401);
    const ok = await c.app.inject({ method: 'POST', url: '/login', payload: `token=${OPERATOR_TOKEN}&next=//evil.example/`, headers: { 'content-type': 'application/x-www-form-urlencoded' } });
    expect(ok.statusCode).toBe(303);
    expect(ok.headers.location).toBe('/');
    const cookie = String(ok.headers['set-cookie']);
    expect(cookie).toMatch(/HttpOnly/);
    expect(cookie).toMatch(/Secure/);
    expect(cookie).toMatch(/SameSite=Strict/);
    const page = await c.app.inject({ url: '/fleet', headers: { cookie: cookie.split(';')[0] ?? '' } });
    expect(page.statusCode).toBe(200);
    expect(page.body).toContain('olga · operator');
  });

  it('escapes every event field on the pages (identity, action, reasons, owner)', async () => {
    c = await testConsole();
    const evil = '<img src=x onerror=alert(1)>';
    c.index.add(decision(1, { identity: evil, owner: `"><script>alert(2)</script>`, action: `${evil}:Get`, verdict: 'alert', reasons: [{ code: 'NEW_ACTION', detail: evil, weight: 30 }] }));
    c.events.put({ id: 'e-1', time: '2026-11-20T00:00:00Z', identity: { id: evil }, action: 'a', source: { userAgent: evil } });
    for (const url of ['/', `/identities/${encodeURIComponent(evil)}`, '/decisions/d-1', '/fleet']) {
      const res = await c.app.inject({ url, headers: bearer });
      expect(res.statusCode, url).toBe(200);
      expect(res.body, url).not.toContain('<img');
      expect(res.body, url).not.toContain('<script>alert');
    }
    const page = await c.app.inject({ url: '/decisions/d-1', headers: bearer });
    expect(page.body).toContain('&lt;img src=x onerror=alert(1)&gt;');
    expect(page.headers['content-security-policy']).toContain("script-src 'self'");
  });

  it('blocks from the identity page as the signed-in operator, with the TTL asked for, and needs the CSRF token', async () => {
    c = await testConsole();
    await c.store.put(profileOf('svc-deployer'));
    const page = await c.app.inject({ url: '/identities/svc-deployer', headers: bearer });
    expect(page.body).toContain('svg');
    expect(page.body.match(/class="heat"/g)).toHaveLength(168);
    const form = { 'content-type': 'application/x-www-form-urlencoded', ...bearer };
    const noCsrf = await c.app.inject({ method: 'POST', url: '/identities/svc-deployer/block', payload: 'reason=leak&ttl=2h', headers: form });
    expect(noCsrf.statusCode).toBe(403);
    const badTtl = await c.app.inject({ method: 'POST', url: '/identities/svc-deployer/block', payload: `reason=leak&ttl=soon&csrf=${csrfOf(page.body)}`, headers: form });
    expect(badTtl.statusCode).toBe(400);
    expect(badTtl.body).toContain('cannot read duration');
    expect(c.published).toHaveLength(0);
    const before = Date.now();
    const ok = await c.app.inject({ method: 'POST', url: '/identities/svc-deployer/block', payload: `reason=token+leaked&ttl=2h&actions=iam:*,+s3:*&csrf=${csrfOf(page.body)}`, headers: form });
    expect(ok.statusCode).toBe(303);
    expect(c.published).toEqual([expect.objectContaining({ identity: 'svc-deployer', state: 'block', reason: 'token leaked', source: 'operator:olga', decisionId: null, actions: ['iam:*', 's3:*'] })]);
    expect(Date.parse(c.published[0]?.expiresAt ?? '') - before).toBeGreaterThanOrEqual(7_200_000 - 1000);
    expect(c.published[0]?.sig).toMatch(/^ed25519:/);
    const lift = await c.app.inject({ method: 'POST', url: '/identities/svc-deployer/lift', payload: `reason=rotated&csrf=${csrfOf(page.body)}`, headers: form });
    expect(lift.statusCode).toBe(303);
    expect(c.published[1]).toMatchObject({ state: 'lift', source: 'operator:olga', expiresAt: null });
  });

  it('gives the read-only role pages but no forms, and refuses its actions', async () => {
    c = await testConsole();
    const viewer = { authorization: `Bearer ${VIEWER_TOKEN}` };
    const page = await c.app.inject({ url: '/identities/svc-deployer', headers: viewer });
    expect(page.statusCode).toBe(200);
    expect(page.body).not.toContain('id="block-form"');
    const res = await c.app.inject({ method: 'POST', url: '/identities/svc-deployer/block', payload: 'reason=x&csrf=x', headers: { ...viewer, 'content-type': 'application/x-www-form-urlencoded' } });
    expect(res.statusCode).toBe(403);
    expect(res.body).toContain('vic has the read-only role');
    expect(c.published).toHaveLength(0);
  });

  it('tells a tampered decision from a valid one on its page', async () => {
    c = await testConsole();
    const signed = c.signer.sign(decision(7));
    c.index.add(signed);
    c.index.add({ ...c.signer.sign(decision(8)), verdict: 'allow', score: 5 });
    c.index.add({ ...c.signer.sign(decision(9, { verdict: 'block', score: 90 })), verdict: 'allow' });
    const statusOf = async (id: string): Promise<string | undefined> => /data-status="([a-z-]+)"/.exec((await c.app.inject({ url: `/decisions/${id}`, headers: bearer })).body)?.[1];
    expect(await statusOf('d-7')).toBe('valid');
    expect(await statusOf('d-8')).toBe('bad-signature');
    expect(await statusOf('d-9')).toBe('bad-signature');
    c.index.add(decision(10));
    expect(await statusOf('d-10')).toBe('unsigned');
    expect((await c.app.inject({ url: '/decisions/nope', headers: bearer })).statusCode).toBe(404);
  });

  it('filters the live list and the API by verdict, identity, owner, reason and source', async () => {
    c = await testConsole();
    c.index.add(decision(1));
    c.index.add(decision(2, { identity: 'svc-etl', owner: 'team-data', verdict: 'alert', score: 40, reasons: [{ code: 'VOLUME_SPIKE', detail: 'x', weight: 40 }] }));
    c.events.put({ id: 'e-2', time: '2026-11-20T00:00:00Z', identity: { id: 'svc-etl' }, action: 'a', source: { ip: '203.0.113.9', userAgent: 'python-requests/2.31' } });
    const ids = async (q: string): Promise<string[]> => ((await c.app.inject({ url: `/api/decisions?${q}`, headers: bearer })).json() as { decisions: Array<{ decisionId: string }> }).decisions.map((d) => d.decisionId);
    expect(await ids('')).toEqual(['d-2', 'd-1']);
    expect(await ids('verdict=alert')).toEqual(['d-2']);
    expect(await ids('identity=deploy')).toEqual(['d-1']);
    expect(await ids('owner=team-data')).toEqual(['d-2']);
    expect(await ids('reason=VOLUME_SPIKE')).toEqual(['d-2']);
    expect(await ids('source=python-requests')).toEqual(['d-2']);
    expect(await ids('source=terraform')).toEqual([]);
  });
});
