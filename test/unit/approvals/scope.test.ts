import { describe, expect, it } from 'vitest';
import { compileScope } from '../../../src/approvals/scope.js';
import { escapeGlob } from '../../../src/approvals/opener.js';

describe('approval scope matching', () => {
  it('matches identity exactly, then action and resource globs', () => {
    const s = compileScope({ identity: 'svc-etl', actions: ['s3:GetObject', 's3:List*'], resources: ['arn:aws:s3:::cat/*'] });
    expect(s.covers('svc-etl', undefined, 's3:GetObject', 'arn:aws:s3:::cat/a.csv')).toBe(true);
    expect(s.covers('svc-etl', 'tok', 's3:ListBucket', 'arn:aws:s3:::cat/x')).toBe(true);
    expect(s.covers('svc-etl', undefined, 's3:PutObject', 'arn:aws:s3:::cat/a.csv')).toBe(false);
    expect(s.covers('svc-etl', undefined, 's3:GetObject', 'arn:aws:s3:::other/a.csv')).toBe(false);
    expect(s.covers('svc-etl', undefined, 's3:GetObject', undefined)).toBe(false);
    expect(s.covers('svc-etl-2', undefined, 's3:GetObject', 'arn:aws:s3:::cat/a.csv')).toBe(false);
  });

  it('a `*` stays within one path segment, `**` crosses them', () => {
    const one = compileScope({ identity: 'i', actions: ['GET /items/*'] });
    expect(one.covers('i', undefined, 'GET /items/7', undefined)).toBe(true);
    expect(one.covers('i', undefined, 'GET /items/7/secrets', undefined)).toBe(false);
    expect(one.covers('i', undefined, 'POST /items/7', undefined)).toBe(false);
    expect(compileScope({ identity: 'i', actions: ['GET /items/**'] }).covers('i', undefined, 'GET /items/7/secrets', undefined)).toBe(true);
  });

  it('compares HTTP methods in any case, paths as written', () => {
    const s = compileScope({ identity: 'i', actions: ['get /Items/*'] });
    expect(s.covers('i', undefined, 'GET /Items/1', undefined)).toBe(true);
    expect(s.covers('i', undefined, 'get /Items/1', undefined)).toBe(true);
    expect(s.covers('i', undefined, 'GET /items/1', undefined)).toBe(false);
  });

  it('a token-scoped grant covers only that token; no action to compare covers nothing', () => {
    const s = compileScope({ identity: 'i', tokenId: 'tok-1', actions: ['**'] });
    expect(s.covers('i', 'tok-1', 'anything', undefined)).toBe(true);
    expect(s.covers('i', 'tok-2', 'anything', undefined)).toBe(false);
    expect(s.covers('i', undefined, 'anything', undefined)).toBe(false);
    expect(s.covers('i', 'tok-1', undefined, undefined)).toBe(false);
  });

  it('an escaped action or resource matches only itself', () => {
    const s = compileScope({ identity: 'i', actions: [escapeGlob('k8s:get pods/*')], resources: [escapeGlob('arn:x:[a]{b}?')] });
    expect(s.covers('i', undefined, 'k8s:get pods/*', 'arn:x:[a]{b}?')).toBe(true);
    expect(s.covers('i', undefined, 'k8s:get pods/x', 'arn:x:[a]{b}?')).toBe(false);
    expect(s.covers('i', undefined, 'k8s:get pods/*', 'arn:x:a{b}?')).toBe(false);
  });

  it('refuses an empty action list or an empty pattern', () => {
    expect(() => compileScope({ identity: 'i', actions: [] })).toThrow(/at least one action/);
    expect(() => compileScope({ identity: 'i', actions: [' '] })).toThrow(/empty action pattern/);
  });
});
