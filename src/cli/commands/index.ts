/** Every CLI command, in the order `warden --help` lists them. */
import type { Command } from 'commander';
import { registerApprovalsCommand } from './approvals.js';
import { registerBaselineCommand } from './baseline.js';
import { registerBlockCommand } from './block.js';
import { registerBlocksCommand } from './blocks.js';
import { registerConfigCommand } from './config.js';
import { registerConsoleCommand } from './console.js';
import { registerDemoCommand } from './demo.js';
import { registerEvalCommand } from './eval.js';
import { registerExplainCommand } from './explain.js';
import { registerFeedbackCommand } from './feedback.js';
import { registerGatewayCommand } from './gateway.js';
import { registerIdentitiesCommand } from './identities.js';
import { registerKeysCommand } from './keys.js';
import { registerNormalizeCommand } from './normalize.js';
import { registerOcsfCommand } from './ocsf.js';
import { registerPolicyCommand } from './policy.js';
import { registerReplayCommand } from './replay.js';
import { registerRunCommand } from './run.js';
import { registerSigmaCommand } from './sigma.js';
import { registerSimulateCommand } from './simulate.js';
import { registerSinksCommand } from './sinks.js';
import { registerTopicsCommand } from './topics.js';
import { registerTrainCommand } from './train.js';
import { registerUnblockCommand } from './unblock.js';
import { registerVerifyCommand } from './verify.js';

export type RegisterCommand = (program: Command) => void;

export const commands: readonly RegisterCommand[] = [
  registerDemoCommand,
  registerRunCommand,
  registerReplayCommand,
  registerNormalizeCommand,
  registerSimulateCommand,
  registerEvalCommand,
  registerTrainCommand,
  registerBaselineCommand,
  registerFeedbackCommand,
  registerPolicyCommand,
  registerSigmaCommand,
  registerExplainCommand,
  registerIdentitiesCommand,
  registerGatewayCommand,
  registerSinksCommand,
  registerOcsfCommand,
  registerBlockCommand,
  registerUnblockCommand,
  registerBlocksCommand,
  registerConsoleCommand,
  registerApprovalsCommand,
  registerTopicsCommand,
  registerKeysCommand,
  registerVerifyCommand,
  registerConfigCommand,
];
