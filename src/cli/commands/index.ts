/** Every CLI command, in the order `warden --help` lists them. */
import type { Command } from 'commander';
import { registerConfigCommand } from './config.js';
import { registerReplayCommand } from './replay.js';
import { registerBaselineCommand } from './baseline.js';
import { registerFeedbackCommand } from './feedback.js';
import { registerSimulateCommand } from './simulate.js';
import { registerEvalCommand } from './eval.js';

export type RegisterCommand = (program: Command) => void;

export const commands: readonly RegisterCommand[] = [
  registerConfigCommand,
  registerReplayCommand,
  registerBaselineCommand,
  registerFeedbackCommand,
  registerSimulateCommand,
  registerEvalCommand,
];
