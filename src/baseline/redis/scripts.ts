/** Loads the Lua scripts (one file per operation, `name-<numKeys>.lua`) and registers them. */
import { readFileSync } from 'node:fs';
import type { Redis } from 'ioredis';

export const SCRIPTS = ['apply-2', 'load-2', 'reset-2'] as const;
export type ScriptName = (typeof SCRIPTS)[number];

/** The script's command name on the client, e.g. `apply-2` → `wardenApply`. */
export function commandName(script: ScriptName): string {
  const name = script.split('-')[0] ?? script;
  return `warden${name.charAt(0).toUpperCase()}${name.slice(1)}`;
}

export function defineScripts(redis: Redis): void {
  for (const script of SCRIPTS) {
    const lua = readFileSync(new URL(`./${script}.lua`, import.meta.url), 'utf8');
    // ioredis sends EVALSHA and falls back to EVAL once when the script cache is cold.
    redis.defineCommand(commandName(script), { numberOfKeys: Number(script.split('-')[1]), lua });
  }
}
