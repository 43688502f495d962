/** Every CLI command, in the order `warden --help` lists them. */
import type { Command } from 'commander';
import { registerConfigCommand } from './config.js';
import { registerKeysCommand } from './keys.js';
import { registerTopicsCommand } from './topics.js';
import { registerVerifyCommand } from './verify.js';

export type RegisterCommand = (program: Command) => void;

export const commands: readonly RegisterCommand[] = [
  registerConfigCommand,
  registerTopicsCommand,
  registerKeysCommand,
  registerVerifyCommand,
];
