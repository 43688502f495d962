/** Structured JSON logs (pino). Components take a child logger with their own bindings. */
import { pino } from 'pino';
import type { Logger } from 'pino';

export type { Logger };

export interface LoggerOptions {
  level?: string;
  /** Where to write; standard error by default so that stdout stays free for command output. */
  destination?: number | string;
}

export function createLogger(options: LoggerOptions = {}): Logger {
  return pino(
    {
      name: 'warden',
      level: options.level ?? 'info',
      // Secrets never reach a log line, whatever object carries them.
      redact: { paths: ['*.password', '*.sasl', '*.privateKey', 'password', 'privateKey', '*.*.password'], censor: '[redacted]' },
      base: undefined,
    },
    pino.destination({ dest: options.destination ?? 2, sync: false }),
  );
}

/** A logger that discards everything, for library callers that pass none. */
export const silentLogger: Logger = pino({ level: 'silent' });
