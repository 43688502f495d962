/**
 * How the CLI reports a failure: one line `WARDEN_<CODE> message`, an optional `hint:` line, and
 * an exit code (2 for usage errors, 1 for everything else). No stack trace unless WARDEN_DEBUG is
 * set: errors Warden did not anticipate are named WARDEN_UNEXPECTED (file system errors get the
 * code of what went wrong) so a user never sees a raw error object.
 */
import { existsSync } from 'node:fs';
import { dirname } from 'node:path';
import { isWardenError } from '../errors.js';
import type { WardenErrorCode } from '../errors.js';

export interface ErrorReport {
  code: WardenErrorCode;
  message: string;
  hint?: string;
  exitCode: 1 | 2;
}

/** Exit code of a usage error (a wrong flag, a missing argument), as docs/errors.md says. */
export const USAGE_EXIT_CODE = 2;

const SYSTEM_REASONS: Record<string, string> = {
  ENOENT: 'no such file or folder',
  ENOTDIR: 'a part of the path is not a folder',
  EISDIR: 'is a folder, not a file',
  EACCES: 'permission denied',
  EPERM: 'operation not permitted',
  EEXIST: 'already exists',
  ENOSPC: 'no space left on the device',
  EROFS: 'read-only file system',
  EMFILE: 'too many open files',
  ENAMETOOLONG: 'name too long',
  ELOOP: 'too many symbolic links',
};
const READ_CALLS = new Set(['stat', 'lstat', 'access', 'scandir', 'opendir', 'readlink', 'read', 'realpath']);
const WRITE_CALLS = new Set(['write', 'mkdir', 'rename', 'unlink', 'rmdir', 'copyfile', 'symlink', 'chmod', 'chown', 'utime', 'fsync', 'ftruncate']);

function systemError(err: unknown): NodeJS.ErrnoException | undefined {
  if (!(err instanceof Error)) return undefined;
  const e = err as NodeJS.ErrnoException;
  return typeof e.code === 'string' && typeof e.syscall === 'string' ? e : undefined;
}

function fileSystemReport(e: NodeJS.ErrnoException): ErrorReport {
  const code = e.code ?? '';
  const reason = SYSTEM_REASONS[code] ?? e.message;
  const what = e.path === undefined ? reason : `${e.path}: ${reason}`;
  const syscall = e.syscall ?? '';
  if (READ_CALLS.has(syscall) || (syscall === 'open' && code === 'ENOENT' && e.path !== undefined && existsSync(dirname(e.path)))) {
    // A missing file whose folder exists was being read: opening a file to write creates it.
    return { code: 'WARDEN_INPUT_NOT_FOUND', message: `cannot read ${what}`, exitCode: 1 };
  }
  if (WRITE_CALLS.has(syscall)) return { code: 'WARDEN_OUTPUT_FAILED', message: `cannot write ${what}`, exitCode: 1 };
  return { code: 'WARDEN_FILE_ACCESS', message: `cannot open ${what}`, exitCode: 1 };
}

/** The code, message, hint and exit code a failure is reported with. */
export function describeError(err: unknown): ErrorReport {
  if (isWardenError(err)) {
    return {
      code: err.code,
      message: err.message,
      ...(err.hint ? { hint: err.hint } : {}),
      exitCode: err.code === 'WARDEN_USAGE' ? USAGE_EXIT_CODE : 1,
    };
  }
  const sys = systemError(err);
  if (sys && (sys.path !== undefined || (sys.code ?? '') in SYSTEM_REASONS)) return fileSystemReport(sys);
  if (err instanceof Error && err.name.startsWith('KafkaJS')) {
    return { code: 'WARDEN_KAFKA_UNAVAILABLE', message: `Kafka: ${err.message}`, hint: 'check kafka.brokers in the config (or WARDEN_KAFKA_BROKERS) and that the brokers are up', exitCode: 1 };
  }
  const message = err instanceof Error ? `${err.name === 'Error' ? '' : `${err.name}: `}${err.message}` : String(err);
  return { code: 'WARDEN_UNEXPECTED', message, hint: 'run again with WARDEN_DEBUG=1 for the stack trace, and please report it', exitCode: 1 };
}

/** Renders a report: `WARDEN_<CODE> first line`, further lines of the message, then `hint: …`. */
export function formatErrorReport(report: ErrorReport): string {
  const lines = [`${report.code} ${report.message}`];
  if (report.hint) lines.push(`hint: ${report.hint}`);
  return `${lines.join('\n')}\n`;
}

/** Prints a failure to stderr (with the stack trace when WARDEN_DEBUG is set) and returns its exit code. */
export function reportError(err: unknown, env: NodeJS.ProcessEnv = process.env): number {
  const report = describeError(err);
  console.error(formatErrorReport(report).trimEnd());
  if (env.WARDEN_DEBUG && err instanceof Error && err.stack) console.error(err.stack);
  return report.exitCode;
}
