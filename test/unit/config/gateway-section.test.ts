import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { gatewaySchema } from '../../../src/config/sections/gateway.js';

describe('gateway config: encodedSlashes', () => {
  it('defaults to reject, takes decode, and refuses anything else', () => {
    expect(gatewaySchema.parse({}).encodedSlashes).toBe('reject');
    expect(gatewaySchema.parse({ encodedSlashes: 'decode' }).encodedSlashes).toBe('decode');
    expect(gatewaySchema.safeParse({ encodedSlashes: 'pass' }).success).toBe(false);
  });

  it('the shipped config/warden.yaml sets it to the default', () => {
    const shipped = parse(readFileSync('config/warden.yaml', 'utf8')) as { gateway: unknown };
    expect(gatewaySchema.parse(shipped.gateway).encodedSlashes).toBe('reject');
  });
});
