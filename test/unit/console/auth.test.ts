import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parseConfig } from '../../../src/config/load.js';
import { ConsoleAuth, consoleAuthFrom } from '../../../src/console/auth.js';
import { sha } from './fixtures.js';

const noHeaders = { headers: {}, remoteAddress: '127.0.0.1' };

describe('console auth', () => {
  it('refuses to start with no way to authenticate, or with a short env token', () => {
    const config = parseConfig('{}', 'warden.yaml').console;
    expect(() => consoleAuthFrom(config, {})).toThrow(expect.objectContaining({ code: 'WARDEN_CONSOLE_AUTH' }));
    expect(() => consoleAuthFrom(config, { WARDEN_CONSOLE_TOKEN: 'short' })).toThrow(/at least 16/);
    const auth = consoleAuthFrom(config, { WARDEN_CONSOLE_TOKEN: 'a-long-enough-token-123' });
    expect(auth.authenticate({ ...noHeaders, authorization: 'Bearer a-long-enough-token-123' })).toMatchObject({ name: 'operator', role: 'operator', via: 'token' });
    expect(auth.authenticate({ ...noHeaders, authorization: 'Bearer a-long-enough-token-124' })).toBeNull();
    expect(auth.authenticate(noHeaders)).toBeNull();
  });

  it('reads a token file of names and roles (plain or sha256) and says what is wrong with a bad one', () => {
    const dir = mkdtempSync(join(tmpdir(), 'console-auth-'));
    const good = join(dir, 'tokens.yaml');
    writeFileSync(good, `tokens:\n  - { name: alice, role: operator, sha256: ${sha('alice-token-0123456789')} }\n  - { name: bob, role: read-only, token: bob-token-0123456789 }\n`);
    const auth = consoleAuthFrom(parseConfig(`console: { tokenFile: ${good} }`, 'warden.yaml').console, {});
    expect(auth.authenticate({ ...noHeaders, authorization: 'Bearer alice-token-0123456789' })).toMatchObject({ name: 'alice', role: 'operator' });
    expect(auth.authenticate({ ...noHeaders, authorization: 'bearer bob-token-0123456789' })).toMatchObject({ name: 'bob', role: 'read-only' });
    const bad = join(dir, 'bad.yaml');
    writeFileSync(bad, 'tokens:\n  - { name: eve, role: admin, token: x }\n');
    expect(() => consoleAuthFrom(parseConfig(`console: { tokenFile: ${bad} }`, 'warden.yaml').console, {})).toThrow(/tokens\.0\.role/);
    expect(() => consoleAuthFrom(parseConfig(`console: { tokenFile: ${join(dir, 'missing.yaml')} }`, 'warden.yaml').console, {})).toThrow(expect.objectContaining({ code: 'WARDEN_CONSOLE_AUTH' }));
  });

  it('believes the proxy header only from a trusted proxy address, and maps operators by name or group', () => {
    const config = parseConfig('console: { proxy: { header: X-Forwarded-Email, groupsHeader: x-forwarded-groups, trustedProxies: [10.0.0.0/8, "::1"], operators: [alice@example.com], operatorGroups: [sre] } }', 'warden.yaml').console;
    const auth = consoleAuthFrom(config, {});
    const via = (remoteAddress: string, headers: Record<string, string>) => auth.authenticate({ headers, remoteAddress });
    expect(via('10.1.2.3', { 'x-forwarded-email': 'alice@example.com' })).toMatchObject({ name: 'alice@example.com', role: 'operator', via: 'proxy' });
    expect(via('::ffff:10.1.2.3', { 'x-forwarded-email': 'bob@example.com' })).toMatchObject({ name: 'bob@example.com', role: 'read-only' });
    expect(via('::1', { 'x-forwarded-email': 'carol@example.com', 'x-forwarded-groups': 'dev, sre' })).toMatchObject({ role: 'operator' });
    expect(via('192.0.2.1', { 'x-forwarded-email': 'alice@example.com' })).toBeNull();
    expect(via('10.1.2.3', {})).toBeNull();
  });

  it('binds CSRF tokens to how the principal signed in, and ends sessions on logout and expiry', () => {
    let now = 1_000_000;
    const auth = new ConsoleAuth({ tokens: new Map([[sha('tok-tok-tok-tok-tok'), { name: 'olga', role: 'operator' }]]), sessionMs: 60_000, secureCookie: false, now: () => now });
    expect(auth.login('wrong')).toBeNull();
    const a = auth.login('tok-tok-tok-tok-tok');
    const b = auth.login('tok-tok-tok-tok-tok');
    if (!a || !b) throw new Error('login failed');
    expect(a.cookie).not.toMatch(/Secure/);
    const cookieA = a.cookie.split(';')[0];
    const pa = auth.authenticate({ ...noHeaders, cookie: `other=1; ${cookieA}` });
    if (!pa) throw new Error('session not recognised');
    expect(auth.checkCsrf(pa, auth.csrfToken(pa))).toBe(true);
    expect(auth.checkCsrf(pa, auth.csrfToken(b.principal))).toBe(false);
    expect(auth.checkCsrf(pa, undefined)).toBe(false);
    auth.logout(cookieA);
    expect(auth.authenticate({ ...noHeaders, cookie: cookieA })).toBeNull();
    now += 61_000;
    expect(auth.authenticate({ ...noHeaders, cookie: b.cookie.split(';')[0] })).toBeNull();
  });
});
