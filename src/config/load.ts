/**
 * Loads `warden.yaml`: read → parse (keeping line numbers) → apply environment overrides →
 * validate against the one schema → deep-freeze. A file that fails never replaces a running
 * config; callers keep the last good one (see `ConfigHolder`).
 */
import { existsSync, readFileSync } from 'node:fs';
import { WardenError, WardenValidationError } from '../errors.js';
import { deepFreeze, parseYamlSource, zodIssues } from './yaml-source.js';
import { wardenConfigSchema } from './schema.js';
import type { WardenConfig } from './schema.js';

export const DEFAULT_CONFIG_FILE = 'config/warden.yaml';

/**
 * Environment variables that override the file. `WARDEN_KAFKA_BROKERS` and `WARDEN_REDIS_URL`
 * point Warden (and its tests) at existing infrastructure.
 */
export function applyEnvOverrides(raw: Record<string, unknown>, env: NodeJS.ProcessEnv): Record<string, unknown> {
  const out: Record<string, unknown> = { ...raw };
  const section = (name: string): Record<string, unknown> => {
    const current = out[name];
    const copy = current !== null && typeof current === 'object' ? { ...(current as Record<string, unknown>) } : {};
    out[name] = copy;
    return copy;
  };
  if (env.WARDEN_KAFKA_BROKERS) section('kafka').brokers = env.WARDEN_KAFKA_BROKERS.split(',').map((b) => b.trim()).filter(Boolean);
  if (env.WARDEN_REDIS_URL) section('redis').url = env.WARDEN_REDIS_URL;
  if (env.WARDEN_LOG_LEVEL) section('logging').level = env.WARDEN_LOG_LEVEL;
  if (env.WARDEN_FAIL_MODE) section('pipeline').failMode = env.WARDEN_FAIL_MODE;
  if (env.WARDEN_POLICY_MODE) section('policy').mode = env.WARDEN_POLICY_MODE;
  return out;
}

/** Parses and validates config text. Every problem is reported with file, line and field. */
export function parseConfig(text: string, file: string, env: NodeJS.ProcessEnv = {}): WardenConfig {
  const source = parseYamlSource(text, file, 'WARDEN_CONFIG_INVALID');
  const raw: unknown = source.doc.toJS() ?? {};
  if (raw === null || typeof raw !== 'object' || Array.isArray(raw)) {
    throw new WardenValidationError('WARDEN_CONFIG_INVALID', [{ file, line: 1, message: 'the config must be a YAML mapping' }]);
  }
  const result = wardenConfigSchema.safeParse(applyEnvOverrides(raw as Record<string, unknown>, env));
  if (!result.success) throw new WardenValidationError('WARDEN_CONFIG_INVALID', zodIssues(source, result.error));
  return deepFreeze(result.data);
}

/**
 * Loads a config file. When `file` is the default and does not exist, the built-in defaults are
 * used (so `warden` runs from any folder); a file named explicitly must exist.
 */
export function loadConfig(file: string = DEFAULT_CONFIG_FILE, env: NodeJS.ProcessEnv = process.env): WardenConfig {
  if (!existsSync(file)) {
    if (file === DEFAULT_CONFIG_FILE) return parseConfig('{}', file, env);
    throw new WardenError('WARDEN_CONFIG_NOT_FOUND', `config file not found: ${file}`);
  }
  return parseConfig(readFileSync(file, 'utf8'), file, env);
}
