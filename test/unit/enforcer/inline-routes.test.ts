/** Inline mode's request → action mapping: configured routes first, then the generic REST reading. */
import { describe, expect, it } from 'vitest';
import { gatewaySchema } from '../../../src/config/sections/gateway.js';
import { compileRoutes, genericMapping } from '../../../src/enforcer/inline-routes.js';
import type { RouteRequest } from '../../../src/enforcer/inline-routes.js';

const req = (method: string, target: string, headers: RouteRequest['headers'] = {}): RouteRequest => {
  const q = target.indexOf('?');
  return { method, path: q < 0 ? target : target.slice(0, q), query: q < 0 ? '' : target.slice(q), headers };
};

describe('generic mapping', () => {
  it.each([
    ['GET', '/iam/users', 'iam:ListUsers'],
    ['GET', '/iam/users/alice', 'iam:GetUser'],
    ['POST', '/iam/users', 'iam:CreateUser'],
    ['POST', '/iam/users/alice/access-keys', 'iam:CreateAccessKey'],
    ['DELETE', '/iam/users/alice', 'iam:DeleteUser'],
    ['PATCH', '/billing/policies/p1', 'billing:UpdatePolicy'],
    ['PUT', '/storage/buckets/b/objects/a%20b', 'storage:PutObject'],
    ['GET', '/github/repos/widgets/branches', 'github:ListBranches'],
    ['GET', '/s3', 's3:List'],
    ['GET', '/', 'http:List'],
    ['OPTIONS', '/api/things', 'api:OptionsThing'],
  ])('%s %s → %s', (method, path, action) => {
    expect(genericMapping(method, path)).toEqual({ action, resource: path, route: null });
  });
});

describe('configured routes', () => {
  const { inline } = gatewaySchema.parse({
    inline: {
      routes: [
        { method: 'PUT', path: '/s3/{bucket}/{key+}', action: 's3:PutObject', resource: 'arn:aws:s3:::{bucket}/{key}' },
        { method: 'GET', path: '/s3/{bucket}/{key+}', action: 's3:GetObject', resource: 'arn:aws:s3:::{bucket}/{key}', readOnly: true },
        { method: 'POST', path: '/iam/users/{user}/access-keys', action: 'iam:CreateAccessKey', resource: 'arn:aws:iam::1111:user/{user}', request: { userName: '{user}' }, privileged: true },
        // AWS query APIs: the operation is a parameter.
        { path: '/', action: 'iam:{query.Action}', resource: 'arn:aws:iam::1111:user/{query.UserName}' },
        // AWS JSON APIs: the operation is in X-Amz-Target.
        { method: 'POST', path: '/', action: 'dynamodb:{header.x-amz-target|last}', resource: 'table/{header.x-table}' },
        { path: '/admin', action: 'admin:{method}Root' },
      ],
    },
  });
  const map = compileRoutes(inline.routes);

  it('fills path parameters, the rest of the path, and the request fields', () => {
    expect(map(req('PUT', '/s3/prod-artifacts/releases/app%201.tgz'))).toEqual({ action: 's3:PutObject', resource: 'arn:aws:s3:::prod-artifacts/releases/app 1.tgz', route: 'PUT /s3/{bucket}/{key+}' });
    expect(map(req('GET', '/s3/b/k'))).toMatchObject({ action: 's3:GetObject', readOnly: true });
    expect(map(req('POST', '/iam/users/admin/access-keys'))).toEqual({ action: 'iam:CreateAccessKey', resource: 'arn:aws:iam::1111:user/admin', request: { userName: 'admin' }, privileged: true, route: 'POST /iam/users/{user}/access-keys' });
  });

  it('matches the method and the whole path, else falls through to the next route or the generic mapping', () => {
    expect(map(req('DELETE', '/s3/b/k'))).toMatchObject({ action: 's3:DeleteB', route: null });
    expect(map(req('PUT', '/s3/only-bucket'))).toMatchObject({ action: 's3:PutOnlyBucket', route: null });
    expect(map(req('GET', '/iam/users/admin/access-keys'))).toMatchObject({ action: 'iam:ListAccessKeys', route: null });
  });

  it('reads the action from the query or a header; a route whose parameter is absent does not apply', () => {
    expect(map(req('GET', '/?Action=CreateAccessKey&UserName=bob'))).toEqual({ action: 'iam:CreateAccessKey', resource: 'arn:aws:iam::1111:user/bob', route: '* /' });
    expect(map(req('GET', '/?Action=ListUsers'))).toEqual({ action: 'iam:ListUsers', resource: '/', route: '* /' });
    expect(map(req('POST', '/', { 'x-amz-target': 'DynamoDB_20120810.DeleteTable', 'x-table': 'orders' }))).toMatchObject({ action: 'dynamodb:DeleteTable', resource: 'table/orders' });
    // A resource whose header is absent falls back to the path; the action still applies.
    expect(map(req('POST', '/', { 'x-amz-target': 'DynamoDB_20120810.DeleteTable' }))).toMatchObject({ action: 'dynamodb:DeleteTable', resource: '/' });
    expect(map(req('POST', '/'))).toMatchObject({ action: 'http:Create', route: null });
    expect(map(req('DELETE', '/admin'))).toMatchObject({ action: 'admin:DELETERoot' });
  });

  it('refuses templates that name what the path does not have, and bad path templates', () => {
    expect(() => compileRoutes([{ method: 'GET', path: '/users/{id}', action: 'x:Get{name}' }])).toThrow(expect.objectContaining({ code: 'WARDEN_CONFIG_INVALID', message: expect.stringContaining('{name}') as unknown }));
    expect(() => compileRoutes([{ method: 'GET', path: '/a/{id}/b/{id}', action: 'x:Y' }])).toThrow(/appears twice/);
    expect(gatewaySchema.safeParse({ inline: { routes: [{ path: '/files/{rest+}/more', action: 'x:Y' }] } }).success).toBe(false);
    expect(gatewaySchema.safeParse({ inline: { routes: [{ path: 'no-slash', action: 'x:Y' }] } }).success).toBe(false);
    expect(gatewaySchema.safeParse({ inline: { routes: [{ method: 'get', path: '/x', action: 'x:Y' }] } }).success).toBe(false);
  });
});

describe('docs/enforcement.md examples', () => {
  it('every inline config example there is valid and maps its own routes', async () => {
    const { readFileSync } = await import('node:fs');
    const { parse } = await import('yaml');
    const doc = readFileSync(new URL('../../../docs/enforcement.md', import.meta.url), 'utf8');
    const blocks = [...doc.matchAll(/```yaml\n([\s\S]*?)```/g)].map((m) => m[1] ?? '').filter((b) => b.includes('inline:'));
    expect(blocks.length).toBeGreaterThanOrEqual(2);
    for (const block of blocks) {
      const gateway = gatewaySchema.parse((parse(block) as { gateway: unknown }).gateway);
      expect(gateway.inline.routes.length).toBeGreaterThan(0);
      const map = compileRoutes(gateway.inline.routes);
      for (const r of gateway.inline.routes) {
        const path = r.path.replace(/\{[^}]+\+\}/g, 'a/b').replace(/\{[^}]+\}/g, 'x');
        expect(map(req(r.method === '*' ? 'GET' : r.method, path + '?Action=CreateAccessKey&UserName=bob', { 'x-amz-target': 'AWSBackup.DeleteBackupVault' })).route).not.toBeNull();
      }
    }
    const aws = compileRoutes(gatewaySchema.parse((parse(blocks[1]!) as { gateway: unknown }).gateway).inline.routes);
    expect(aws(req('POST', '/backup', { 'x-amz-target': 'AWSBackup.DeleteBackupVault' })).action).toBe('backup:DeleteBackupVault');
    expect(aws(req('GET', '/iam?Action=CreateAccessKey&UserName=bob'))).toMatchObject({ action: 'iam:CreateAccessKey', request: { userName: 'bob' } });
    expect(aws(req('PUT', '/prod-artifacts/app.tgz'))).toMatchObject({ action: 's3:PutObject', resource: 'arn:aws:s3:::prod-artifacts/app.tgz' });
  });
});
