/** Every CLI command, in the order `warden --help` lists them. */
import type { Command } from 'commander';
import { registerConfigCommand } from './config.js';
import { registerNormalizeCommand } from './normalize.js';

export type RegisterCommand = (program: Command) => void;

export const commands: readonly RegisterCommand[] = [registerConfigCommand, registerNormalizeCommand];
