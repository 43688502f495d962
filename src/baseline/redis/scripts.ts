/** Loads the Lua scripts (one file per operation, `name-<numKeys>.lua`) and registers them. */
import { readFileSync } from 'node:fs';
import type { Cluster, Redis } from 'ioredis';

export const SCRIPTS = ['apply-1', 'load-3', 'migrate-3', 'reset-3'] as const;
export type ScriptName = (typeof SCRIPTS)[number];

/** The script's command name on the client, e.g. `apply-1` → `wardenApply`. */
export function commandName(script: ScriptName): string {
  const name = script.split('-')[0] ?? script;
  return `warden${name.charAt(0).toUpperCase()}${name.slice(1)}`;
}

const sources = new Map<ScriptName, string>();

/**
 * Registers the scripts on a client or a cluster client. ioredis sends EVAL the first time a
 * connection runs a script and EVALSHA after, and answers a NOSCRIPT (a node restarted, a replica
 * promoted with an empty script cache) by sending the script again, so no script is ever missing.
 */
export function defineScripts(redis: Redis | Cluster): void {
  for (const script of SCRIPTS) {
    let lua = sources.get(script);
    if (lua === undefined) {
      lua = readFileSync(new URL(`./${script}.lua`, import.meta.url), 'utf8');
      sources.set(script, lua);
    }
    redis.defineCommand(commandName(script), { numberOfKeys: Number(script.split('-')[1]), lua });
  }
}
