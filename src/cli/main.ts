/** The `warden` command line: one file per command under `commands/`, registered here. */
import { Command, CommanderError } from 'commander';
import { isWardenError } from '../errors.js';
import { WARDEN_VERSION } from '../version.js';
import { commands } from './commands/index.js';

export function buildProgram(): Command {
  const program = new Command('warden')
    .description('Action-level guardrails for non-human identities: baselines, policy as code, signed decisions.')
    .version(WARDEN_VERSION, '-v, --version')
    .showHelpAfterError()
    .exitOverride();
  for (const register of commands) register(program);
  return program;
}

/** Runs the CLI; returns the process exit code instead of exiting, so tests can call it. */
export async function main(argv: readonly string[] = process.argv): Promise<number> {
  const program = buildProgram();
  try {
    await program.parseAsync([...argv]);
    return typeof process.exitCode === 'number' ? process.exitCode : 0;
  } catch (err) {
    if (err instanceof CommanderError) return err.exitCode;
    if (isWardenError(err)) {
      console.error(`warden: ${err.code}\n${err.message}`);
      return err.code === 'WARDEN_USAGE' ? 2 : 1;
    }
    console.error(err);
    return 1;
  }
}
