/** Resolves configured targets (URLs, secrets, header values from env or files) once at start. */
import type { NotifyConfig } from '../config/sections/notify.js';
import { WardenError } from '../errors.js';
import { resolveSecret } from '../pipeline/secrets.js';
import type { DeliveryTarget } from './deliver.js';

export function resolveTargets(config: NotifyConfig, env: NodeJS.ProcessEnv = process.env): Map<string, DeliveryTarget> {
  const out = new Map<string, DeliveryTarget>();
  for (const [name, t] of Object.entries(config.targets)) {
    const url = resolveSecret(t.url, `notify.targets.${name}.url`, env);
    let parsed: URL;
    try {
      parsed = new URL(url);
    } catch {
      throw new WardenError('WARDEN_CONFIG_INVALID', `notify.targets.${name}.url is not a URL`);
    }
    if (parsed.protocol !== 'https:' && parsed.protocol !== 'http:') throw new WardenError('WARDEN_CONFIG_INVALID', `notify.targets.${name}.url must be https (or http for a local receiver), not ${parsed.protocol}`);
    const headers: Record<string, string> = {};
    for (const [h, v] of Object.entries(t.headers)) headers[h.toLowerCase()] = resolveSecret(v, `notify.targets.${name}.headers.${h}`, env);
    const target: DeliveryTarget = { name, type: t.type, url, headers };
    if (t.type === 'webhook') target.secret = resolveSecret(t.secret, `notify.targets.${name}.secret`, env);
    out.set(name, target);
  }
  return out;
}
