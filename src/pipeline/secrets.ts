/** Resolves secrets given inline, as `{env: NAME}` or as `{file: path}`. Values are never logged. */
import { readFileSync } from 'node:fs';
import { WardenError } from '../errors.js';
import type { SecretRef } from '../config/sections/kafka.js';

export function resolveSecret(ref: SecretRef, what: string, env: NodeJS.ProcessEnv = process.env): string {
  if (typeof ref === 'string') return ref;
  if ('env' in ref) {
    const value = env[ref.env];
    if (value === undefined || value === '') throw new WardenError('WARDEN_CONFIG_INVALID', `${what}: environment variable ${ref.env} is not set`);
    return value;
  }
  try {
    return readFileSync(ref.file, 'utf8').trim();
  } catch (cause) {
    throw new WardenError('WARDEN_CONFIG_INVALID', `${what}: cannot read secret file ${ref.file}`, { cause });
  }
}

export interface TlsFiles {
  caFile?: string;
  certFile?: string;
  keyFile?: string;
  rejectUnauthorized: boolean;
}

/** Turns the `tls` config value into Node TLS options (`false` = plain TCP). */
export function tlsOptions(tls: boolean | TlsFiles): false | { ca?: string; cert?: string; key?: string; rejectUnauthorized: boolean } {
  if (tls === false) return false;
  if (tls === true) return { rejectUnauthorized: true };
  const read = (file: string | undefined): string | undefined => {
    if (!file) return undefined;
    try {
      return readFileSync(file, 'utf8');
    } catch (cause) {
      throw new WardenError('WARDEN_CONFIG_INVALID', `tls: cannot read ${file}`, { cause });
    }
  };
  return { ca: read(tls.caFile), cert: read(tls.certFile), key: read(tls.keyFile), rejectUnauthorized: tls.rejectUnauthorized };
}
