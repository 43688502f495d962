/**
 * Runs the `warden` CLI in process, the way the unit tests drive it: `main(argv)` with console
 * output captured (and restored afterwards), returning the exit code and what was printed.
 */
import { vi } from 'vitest';
import { main } from '../../src/cli/main.js';

export interface CliRun {
  code: number;
  /** console.log lines, joined with newlines. */
  out: string;
  /** console.error lines, joined with newlines. */
  err: string;
}

export async function runCli(...args: string[]): Promise<CliRun> {
  const out: string[] = [];
  const err: string[] = [];
  const log = vi.spyOn(console, 'log').mockImplementation((...xs: unknown[]) => void out.push(xs.join(' ')));
  const error = vi.spyOn(console, 'error').mockImplementation((...xs: unknown[]) => void err.push(xs.join(' ')));
  try {
    const code = await main(['node', 'warden', ...args]);
    return { code, out: out.join('\n'), err: err.join('\n') };
  } finally {
    log.mockRestore();
    error.mockRestore();
    process.exitCode = undefined;
  }
}
