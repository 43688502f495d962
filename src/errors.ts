/**
 * Warden's error hierarchy. Every error carries a stable `code` (documented in docs/errors.md,
 * a test keeps the two in step), whether retrying can help (`retriable`), and the `cause`.
 */

/** Stable error codes and what each means. Add a code here and in docs/errors.md together. */
export const ERROR_CODES = {
  WARDEN_CONFIG_INVALID: 'A configuration file failed validation; the message names the file, line and field.',
  WARDEN_CONFIG_NOT_FOUND: 'A configuration file named on the command line or in the environment does not exist.',
  WARDEN_POLICY_INVALID: 'A policy or policy test file failed validation; the message names the file, line and field.',
  WARDEN_KNOWLEDGE_INVALID: 'A technique knowledge pack file (config/knowledge/) failed validation; the message names the file, line and field. On hot reload the running pack stays in force.',
  WARDEN_SIGMA_INVALID: 'A Sigma rule file (sigma.dirs) is not valid Sigma (YAML syntax, a missing title, logsource or detection, a condition naming no search identifier, a bad regular expression or CIDR); the message names the file, line and field. On hot reload the running rules stay in force.',
  WARDEN_IDENTITIES_INVALID: 'The identity inventory failed validation; the message names the file, line and field.',
  WARDEN_EVENT_INVALID: 'An event could not be normalized; it is sent to the dead-letter topic or rejects file.',
  WARDEN_STORE_UNAVAILABLE: 'The baseline store (Redis) cannot be reached; retried with backoff.',
  WARDEN_STORE_SCRIPT: 'A store script returned an error that retrying will not fix.',
  WARDEN_STORE_READ_ONLY: 'A write (put, reset) was asked of the read-only baseline store of the inline gateway; only warden run and warden baseline write baselines.',
  WARDEN_KAFKA_UNAVAILABLE: 'The Kafka cluster cannot be reached; retried with backoff.',
  WARDEN_KAFKA_AUTH: 'Kafka refused the SASL credentials or the TLS handshake failed (untrusted or invalid certificate); retrying will not help: check kafka.sasl and kafka.tls.',
  WARDEN_MODEL_INVALID: 'Model files are missing, corrupt or do not match the feature schema; the previous model keeps serving.',
  WARDEN_KEY_INVALID: 'A signing or verification key could not be read or parsed.',
  WARDEN_APPROVAL_NOT_FOUND: 'No approval request with that id is on the approvals topic (read to its end with the configured public keys).',
  WARDEN_APPROVAL_STATE: 'The approval request is not in a state that allows this transition (e.g. approving a denied, expired or already approved request, revoking one that is not approved, cancelling someone else\'s request); the message says which state it is in.',
  WARDEN_APPROVAL_SELF: 'The requester of an approval request tried to approve (or deny) it: another operator must decide.',
  WARDEN_APPROVAL_DUPLICATE: 'This operator has already approved the request; it needs approvals from other operators (config approvals.required).',
  WARDEN_USAGE: 'A command was called with missing or conflicting arguments.',
  WARDEN_CONSOLE_AUTH: '`warden console` has no way to authenticate operators (no WARDEN_CONSOLE_TOKEN, console.tokenFile or console.proxy), or its token file is unreadable or invalid; it refuses to start rather than serve without credentials.',
  WARDEN_INPUT_NOT_FOUND: 'An input file does not exist or cannot be read.',
  WARDEN_INPUT_INVALID: 'An input file is not what the command expects (a line that is not JSON, a record of the wrong kind); the message names the file and line.',
  WARDEN_INPUT_TRUNCATED: 'A compressed input ends in the middle (a cut or partly copied .gz file). Every complete record before the cut was processed and written; the command exits 1 so the loss is not missed.',
  WARDEN_INPUT_REJECTED: 'Every record of an input was rejected by the format forced with --format; the message says which format auto-detection reads them as.',
  WARDEN_FILE_ACCESS: 'A file or folder could not be opened, read or written (no such file or folder, permission denied, a folder where a file was expected); the message names the path and the reason.',
  WARDEN_NOTIFY_FAILED: '`warden sinks` stopped while notifications of a batch were still being retried, or could not dead-letter them; the batch is not committed and is read again (deliveries carry the same `X-Warden-Delivery` id).',
  WARDEN_OUTPUT_FAILED: 'An output file (normalized events, rejects) cannot be created or written.',
  WARDEN_NOT_BUILT: 'bin/warden.js found no dist/ (a checkout never built) and could not build it; run `npm run build` in the warden folder.',
  WARDEN_UNEXPECTED: 'An error Warden did not anticipate (a bug, or a failure of a library or the system); the message is the underlying error\'s. Run again with WARDEN_DEBUG=1 for its stack trace, and please report it.',
} as const;

export type WardenErrorCode = keyof typeof ERROR_CODES;

export interface WardenErrorOptions {
  /** Whether the same call may succeed later (connection errors, timeouts). */
  retriable?: boolean;
  cause?: unknown;
  /** What to do about it, printed on a line of its own after the message by the CLI. */
  hint?: string;
}

/** Base class of every error Warden throws on purpose. */
export class WardenError extends Error {
  readonly code: WardenErrorCode;
  readonly retriable: boolean;
  readonly hint: string | undefined;

  constructor(code: WardenErrorCode, message: string, options: WardenErrorOptions = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = 'WardenError';
    this.code = code;
    this.retriable = options.retriable ?? false;
    this.hint = options.hint;
  }
}

/** Where in a source file a problem was found (1-based line and column). */
export interface SourceLocation {
  file: string;
  line?: number;
  column?: number;
  /** Dotted path of the offending field, e.g. `pipeline.batchSize` or `rules[2].match.actions`. */
  field?: string;
}

/** One validation problem in a file. */
export interface ValidationIssue extends SourceLocation {
  message: string;
}

/** Formats an issue as `file:line:column field: message`, the form editors and CI logs link. */
export function formatIssue(issue: ValidationIssue): string {
  const where = [issue.file, issue.line, issue.column].filter((x) => x !== undefined).join(':');
  const field = issue.field ? ` ${issue.field}` : '';
  return `${where}${field}: ${issue.message}`;
}

/** A file failed validation; `issues` lists every problem found, not just the first. */
export class WardenValidationError extends WardenError {
  readonly issues: readonly ValidationIssue[];

  constructor(code: WardenErrorCode, issues: readonly ValidationIssue[], options: WardenErrorOptions = {}) {
    super(code, issues.map(formatIssue).join('\n'), options);
    this.name = 'WardenValidationError';
    this.issues = issues;
  }
}

export function isWardenError(err: unknown): err is WardenError {
  return err instanceof WardenError;
}

/** `err` and the errors of its `cause` chain, outermost first (at most `depth` of them). */
export function* causeChain(err: unknown, depth = 8): Generator<Error> {
  for (let e: unknown = err, i = 0; e instanceof Error && i < depth; e = e.cause, i++) yield e;
}
