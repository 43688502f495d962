/**
 * Config and inventory loaded from `--config` and `--identities`, for the identity commands.
 * Deciding commands build the one decider of replay and run with ./decider-context.ts.
 */
import type { Command } from 'commander';
import { DEFAULT_CONFIG_FILE, loadConfig } from '../../config/load.js';
import type { WardenConfig } from '../../config/schema.js';
import { loadInventory } from '../../identity/load.js';

export interface StageFlags {
  config?: string;
  identities?: string;
}

/** Adds `--config` and `--identities` to a command. */
export function withStageFlags(command: Command): Command {
  return command
    .option('-c, --config <file>', 'warden.yaml', DEFAULT_CONFIG_FILE)
    .option('--identities <file>', 'identity inventory (default: identity.inventory from the config)');
}

export function stageConfig(flags: StageFlags): { config: WardenConfig; inventoryFile: string } {
  const config = loadConfig(flags.config ?? DEFAULT_CONFIG_FILE);
  return { config, inventoryFile: flags.identities ?? config.identity.inventory };
}

export { loadInventory };
