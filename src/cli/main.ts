/** The `warden` command line: one file per command under `commands/`, registered here. */
import { Command, CommanderError } from 'commander';
import { WARDEN_VERSION } from '../version.js';
import { commands } from './commands/index.js';
import { USAGE_EXIT_CODE, formatErrorReport, reportError } from './report-error.js';

/** Commander's own errors (unknown option, missing argument) as `WARDEN_USAGE message`. */
function writeUsageError(text: string, write: (s: string) => void): void {
  const message = text.replace(/^error:\s*/, '').trimEnd();
  write(formatErrorReport({ code: 'WARDEN_USAGE', message, exitCode: USAGE_EXIT_CODE }));
}

function commandPath(cmd: Command): string {
  const names: string[] = [];
  for (let c: Command | null = cmd; c; c = c.parent) names.unshift(c.name());
  return names.join(' ');
}

/** After a usage error, a one-line hint to the command's help instead of the whole help text. */
function addUsageHints(cmd: Command): void {
  cmd.showHelpAfterError(`hint: \`${commandPath(cmd)} --help\` lists the arguments and options`);
  for (const sub of cmd.commands) addUsageHints(sub);
}

export function buildProgram(): Command {
  const program = new Command('warden')
    .description('Action-level guardrails for non-human identities: baselines, policy as code, signed decisions.')
    .version(WARDEN_VERSION, '-v, --version')
    .configureOutput({ outputError: writeUsageError })
    .exitOverride();
  for (const register of commands) register(program);
  addUsageHints(program);
  return program;
}

/**
 * Runs the CLI; returns the process exit code instead of exiting, so tests can call it. Every
 * failure is printed as `WARDEN_<CODE> message` (see report-error.ts): exit 2 for usage errors,
 * 1 for the others.
 */
export async function main(argv: readonly string[] = process.argv): Promise<number> {
  const program = buildProgram();
  try {
    await program.parseAsync([...argv]);
    return typeof process.exitCode === 'number' ? process.exitCode : 0;
  } catch (err) {
    if (err instanceof CommanderError) {
      if (err.exitCode === 0) return 0;
      // A command group called without its subcommand: commander printed its help.
      if (err.code === 'commander.help') console.error(formatErrorReport({ code: 'WARDEN_USAGE', message: 'a subcommand is required (listed above)', exitCode: USAGE_EXIT_CODE }).trimEnd());
      return USAGE_EXIT_CODE;
    }
    return reportError(err);
  }
}
