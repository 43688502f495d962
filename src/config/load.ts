/**
 * Loads `warden.yaml`: read → parse (keeping line numbers) → apply environment overrides →
 * validate against the one schema → deep-freeze. `warden.yaml` is read once, at start (a change
 * takes a restart), so a file that fails stops the start with its file, line and field; the folders
 * a running instance reloads (policies, knowledge, Sigma rules) keep their last good version
 * (`src/pipeline/folder-reloader.ts`).
 */
import { existsSync, readFileSync } from 'node:fs';
import { WardenError, WardenValidationError } from '../errors.js';
import type { ValidationIssue } from '../errors.js';
import { deepFreeze, parseYamlSource, zodIssues } from '../common/yaml-source.js';
import { wardenConfigSchema } from './schema.js';
import { resolveSigmaDirs } from './sections/sigma.js';
import type { WardenConfig } from './schema.js';

export const DEFAULT_CONFIG_FILE = 'config/warden.yaml';

/** One environment variable that overrides a config field. */
interface EnvOverride {
  variable: string;
  section: string;
  field: string;
  value: (text: string) => unknown;
}

/**
 * Environment variables that override the file. `WARDEN_KAFKA_BROKERS` and `WARDEN_REDIS_URL`
 * point Warden (and its tests) at existing infrastructure.
 */
const ENV_OVERRIDES: readonly EnvOverride[] = [
  { variable: 'WARDEN_KAFKA_BROKERS', section: 'kafka', field: 'brokers', value: (t) => t.split(',').map((b) => b.trim()).filter(Boolean) },
  { variable: 'WARDEN_REDIS_URL', section: 'redis', field: 'url', value: (t) => t },
  { variable: 'WARDEN_REDIS_CLUSTER_NODES', section: 'redis', field: 'cluster', value: (t) => ({ nodes: t.split(',').map((n) => n.trim()).filter(Boolean) }) },
  { variable: 'WARDEN_LOG_LEVEL', section: 'logging', field: 'level', value: (t) => t },
  { variable: 'WARDEN_FAIL_MODE', section: 'pipeline', field: 'failMode', value: (t) => t },
  { variable: 'WARDEN_POLICY_MODE', section: 'policy', field: 'mode', value: (t) => t },
];

export function applyEnvOverrides(raw: Record<string, unknown>, env: NodeJS.ProcessEnv): Record<string, unknown> {
  const out: Record<string, unknown> = { ...raw };
  for (const o of ENV_OVERRIDES) {
    const text = env[o.variable];
    if (!text) continue;
    const current = out[o.section];
    const copy = current !== null && typeof current === 'object' ? { ...(current as Record<string, unknown>) } : {};
    copy[o.field] = o.value(text);
    out[o.section] = copy;
  }
  return out;
}

/**
 * A problem with a field an environment variable set is the variable's, not the file's: it is
 * reported as `environment variable NAME: "value" for section.field: problem`.
 */
function blameEnvironment(issues: readonly ValidationIssue[], env: NodeJS.ProcessEnv): ValidationIssue[] {
  return issues.map((issue) => {
    const o = ENV_OVERRIDES.find((x) => {
      const path = `${x.section}.${x.field}`;
      return env[x.variable] && issue.field !== undefined && (issue.field === path || issue.field.startsWith(`${path}.`) || issue.field.startsWith(`${path}[`));
    });
    if (!o) return issue;
    return { file: `environment variable ${o.variable}`, message: `${JSON.stringify(env[o.variable])} for ${issue.field}: ${issue.message}` };
  });
}

/** Parses and validates config text. Every problem is reported with file, line and field. */
export function parseConfig(text: string, file: string, env: NodeJS.ProcessEnv = {}): WardenConfig {
  const source = parseYamlSource(text, file, 'WARDEN_CONFIG_INVALID');
  const raw: unknown = source.doc.toJS() ?? {};
  if (raw === null || typeof raw !== 'object' || Array.isArray(raw)) {
    throw new WardenValidationError('WARDEN_CONFIG_INVALID', [{ file, line: 1, message: 'the config must be a YAML mapping' }]);
  }
  const result = wardenConfigSchema.safeParse(applyEnvOverrides(raw as Record<string, unknown>, env));
  if (!result.success) throw new WardenValidationError('WARDEN_CONFIG_INVALID', blameEnvironment(zodIssues(source, result.error), env));
  return deepFreeze({ ...result.data, sigma: resolveSigmaDirs(result.data.sigma, file) });
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
