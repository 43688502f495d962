import type { IncomingMessage } from 'node:http';
import { describe, expect, it } from 'vitest';
import { createIdentifier, parseTokensFile, sha256Hex } from '../../../src/enforcer/identify.js';
import type { CallerIdentity, Identification } from '../../../src/enforcer/identify.js';
import { gatewaySchema } from '../../../src/config/sections/gateway.js';

const tokensYaml = `tokens:
  - token: plain-secret
    identity: svc-ci
    tokenId: ci-1
  - sha256: ${sha256Hex('hashed-secret')}
    identity: svc-deployer
`;

function req(headers: Record<string, string>): IncomingMessage {
  return { headers, rawHeaders: Object.entries(headers).flat(), socket: {} } as unknown as IncomingMessage;
}

const caller = (identification: Identification): CallerIdentity | null => (identification.ok ? identification.caller : null);

describe('caller identification', () => {
  const tokens = parseTokensFile(tokensYaml, 'tokens.yaml');

  it('maps bearer tokens (plain or stored as SHA-256) to identities and token ids', () => {
    const id = createIdentifier(gatewaySchema.parse({ identify: { mode: 'bearer' } }).identify, tokens);
    expect(caller(id.forRequest(req({ authorization: 'Bearer plain-secret' })))).toEqual({ identity: 'svc-ci', tokenId: 'ci-1' });
    expect(caller(id.forRequest(req({ authorization: 'bearer hashed-secret' })))).toEqual({ identity: 'svc-deployer' });
    expect(caller(id.forRequest(req({ authorization: 'Bearer unknown' })))).toBeNull();
    // In bearer mode a client-set identity header is never believed.
    expect(caller(id.forRequest(req({ 'x-warden-identity': 'svc-admin' })))).toBeNull();
    expect(caller(id.forCheck(req({ 'x-warden-identity': 'svc-admin' })))).toBeNull();
    expect(caller(id.forCheck(req({ authorization: 'Bearer plain-secret' })))).toEqual({ identity: 'svc-ci', tokenId: 'ci-1' });
  });

  it('reads the identity and token from configurable headers', () => {
    const id = createIdentifier(gatewaySchema.parse({ identify: { header: 'X-Service' } }).identify, null);
    expect(caller(id.forRequest(req({ 'x-service': 'svc-a', 'x-warden-token': 't9' })))).toEqual({ identity: 'svc-a', tokenId: 't9' });
    expect(caller(id.forRequest(req({ 'x-service': '' })))).toBeNull();
  });

  it('takes the CN of a verified client certificate only', () => {
    const id = createIdentifier(gatewaySchema.parse({ identify: { mode: 'mtls' } }).identify, null);
    const cert = { subject: { CN: 'svc-mtls' }, fingerprint256: 'AA:BB' };
    const tls = (authorized: boolean): IncomingMessage => ({ headers: {}, socket: { encrypted: true, authorized, getPeerCertificate: () => cert } }) as unknown as IncomingMessage;
    expect(caller(id.forRequest(tls(true)))).toEqual({ identity: 'svc-mtls', tokenId: 'AA:BB' });
    expect(caller(id.forRequest(tls(false)))).toBeNull();
  });

  it('reports tokens file mistakes with their line', () => {
    expect(() => parseTokensFile('tokens:\n  - identity: svc-a\n', 'tokens.yaml')).toThrow(/tokens.yaml:2.*exactly one of token or sha256/);
    expect(() => createIdentifier(gatewaySchema.parse({ identify: { mode: 'bearer' } }).identify, null)).toThrow(/tokensFile/);
  });
});
