/** Every CLI command, in the order `warden --help` lists them. */
import type { Command } from 'commander';
import { registerBlockCommand } from './block.js';
import { registerBlocksCommand } from './blocks.js';
import { registerConfigCommand } from './config.js';
import { registerGatewayCommand } from './gateway.js';
import { registerKeysCommand } from './keys.js';
import { registerTopicsCommand } from './topics.js';
import { registerUnblockCommand } from './unblock.js';
import { registerVerifyCommand } from './verify.js';

export type RegisterCommand = (program: Command) => void;

export const commands: readonly RegisterCommand[] = [
  registerConfigCommand,
  registerTopicsCommand,
  registerKeysCommand,
  registerVerifyCommand,
  registerGatewayCommand,
  registerBlockCommand,
  registerUnblockCommand,
  registerBlocksCommand,
];
