/**
 * What the deciding commands share: config, inventory and policies loaded from their flags, and
 * a factory of fresh deciders. The lead replaces `makeDeciderFactory` with the full decider
 * (baseline + model + scoring) at merge; the commands only see `DeciderFactory`.
 */
import type { Command } from 'commander';
import { DEFAULT_CONFIG_FILE, loadConfig } from '../../config/load.js';
import type { WardenConfig } from '../../config/schema.js';
import { loadInventory } from '../../identity/load.js';
import type { Inventory } from '../../identity/inventory.js';
import { createIdentityResolver } from '../../identity/resolver.js';
import { createPolicyEngine } from '../../policy/engine.js';
import type { PolicyEngineOptions } from '../../policy/engine.js';
import { createStageDecider } from '../../policy/decide.js';
import type { DeciderFactory } from '../../policy/decide.js';
import type { PolicySet } from '../../policy/compiled.js';

export interface StageFlags {
  config?: string;
  identities?: string;
}

/** Adds `--config` and `--identities` to a deciding command. */
export function withStageFlags(command: Command): Command {
  return command
    .option('-c, --config <file>', 'warden.yaml', DEFAULT_CONFIG_FILE)
    .option('--identities <file>', 'identity inventory (default: identity.inventory from the config)');
}

export function stageConfig(flags: StageFlags): { config: WardenConfig; inventoryFile: string } {
  const config = loadConfig(flags.config ?? DEFAULT_CONFIG_FILE);
  return { config, inventoryFile: flags.identities ?? config.identity.inventory };
}

export function makeDeciderFactory(
  config: WardenConfig,
  inventory: Inventory,
  set: PolicySet,
  engineOptions: Omit<PolicyEngineOptions, 'mode'> = {},
): DeciderFactory {
  return () =>
    createStageDecider(
      createIdentityResolver(inventory, { unknownIdentity: config.identity.unknownIdentity }),
      createPolicyEngine(set, { ...engineOptions, mode: config.policy.mode }),
    );
}

export { loadInventory };
