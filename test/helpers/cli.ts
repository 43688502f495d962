/**
 * Runs the `warden` CLI in process, the way the unit tests drive it: `main(argv)` with its output
 * captured (and restored afterwards), returning the exit code and what was printed.
 */
import { vi } from 'vitest';
import { main } from '../../src/cli/main.js';

export interface CapturedOutput {
  /** What went to stdout (console.log lines and direct writes), as a terminal would show it. */
  out: () => string;
  /** What went to stderr (console.error and console.warn lines, direct writes: logs, progress). */
  err: () => string;
  /** Puts the console and the streams back. */
  restore: () => void;
}

/** One console argument as Node prints it (an error with its stack). */
function shown(args: unknown[]): string {
  return args.map((a) => (a instanceof Error ? (a.stack ?? String(a)) : typeof a === 'string' ? a : JSON.stringify(a))).join(' ');
}

/** Captures console.log/error/warn and direct stdout/stderr writes until `restore` (or vi.restoreAllMocks). */
export function captureOutput(): CapturedOutput {
  const out: string[] = [];
  const err: string[] = [];
  const spies = [
    vi.spyOn(console, 'log').mockImplementation((...a: unknown[]) => void out.push(`${shown(a)}\n`)),
    vi.spyOn(console, 'error').mockImplementation((...a: unknown[]) => void err.push(`${shown(a)}\n`)),
    vi.spyOn(console, 'warn').mockImplementation((...a: unknown[]) => void err.push(`${shown(a)}\n`)),
    vi.spyOn(process.stdout, 'write').mockImplementation((chunk: string | Uint8Array) => (out.push(String(chunk)), true)),
    vi.spyOn(process.stderr, 'write').mockImplementation((chunk: string | Uint8Array) => (err.push(String(chunk)), true)),
  ];
  return {
    out: () => out.join(''),
    err: () => err.join(''),
    restore: () => spies.forEach((s) => s.mockRestore()),
  };
}

export interface CliRun {
  code: number;
  /** stdout, as printed, without its last newline. */
  out: string;
  /** stderr, as printed, without its last newline. */
  err: string;
}

export async function runCli(...args: string[]): Promise<CliRun> {
  const io = captureOutput();
  try {
    const code = await main(['node', 'warden', ...args]);
    return { code, out: io.out().replace(/\n$/, ''), err: io.err().replace(/\n$/, '') };
  } finally {
    io.restore();
    process.exitCode = undefined;
  }
}
