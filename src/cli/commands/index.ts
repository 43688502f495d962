/** Every CLI command, in the order `warden --help` lists them. */
import type { Command } from 'commander';
import { registerConfigCommand } from './config.js';
import { registerExplainCommand } from './explain.js';
import { registerIdentitiesCommand } from './identities.js';
import { registerKeysCommand } from './keys.js';
import { registerPolicyCommand } from './policy.js';
import { registerTopicsCommand } from './topics.js';
import { registerVerifyCommand } from './verify.js';

export type RegisterCommand = (program: Command) => void;

export const commands: readonly RegisterCommand[] = [
  registerConfigCommand,
  registerPolicyCommand,
  registerExplainCommand,
  registerIdentitiesCommand,
  registerTopicsCommand,
  registerKeysCommand,
  registerVerifyCommand,
];
