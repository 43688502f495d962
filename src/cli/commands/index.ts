/** Every CLI command, in the order `warden --help` lists them. */
import type { Command } from 'commander';
import { registerBlockCommand } from './block.js';
import { registerBlocksCommand } from './blocks.js';
import { registerConfigCommand } from './config.js';
import { registerExplainCommand } from './explain.js';
import { registerGatewayCommand } from './gateway.js';
import { registerIdentitiesCommand } from './identities.js';
import { registerKeysCommand } from './keys.js';
import { registerPolicyCommand } from './policy.js';
import { registerTopicsCommand } from './topics.js';
import { registerTrainCommand } from './train.js';
import { registerUnblockCommand } from './unblock.js';
import { registerVerifyCommand } from './verify.js';

export type RegisterCommand = (program: Command) => void;

export const commands: readonly RegisterCommand[] = [
  registerConfigCommand,
  registerPolicyCommand,
  registerExplainCommand,
  registerIdentitiesCommand,
  registerTrainCommand,
  registerTopicsCommand,
  registerKeysCommand,
  registerVerifyCommand,
  registerGatewayCommand,
  registerBlockCommand,
  registerUnblockCommand,
  registerBlocksCommand,
];
