/**
 * How a long-running command (`warden run`, `warden sinks`) waits: until SIGTERM or SIGINT (a
 * graceful stop) or until the app says it failed for good (exit status 1). Once it has stopped,
 * a client library can still hold a timer or a socket (kafkajs can, after a broker restart): the
 * process exits anyway after a short grace, and names what was still open.
 */
import type { Logger } from '../../observability/logger.js';

export interface Served {
  stop(): Promise<void>;
  /** Settles when the app stopped for good while it should be running. */
  failed?: Promise<unknown>;
}

export async function serveUntilStopped(app: Served, logger: Logger, options: { onHangup?: () => void } = {}): Promise<void> {
  await new Promise<void>((resolve) => {
    const shutdown = (signal: string): void => {
      logger.info({ signal }, 'signal received');
      app.stop().then(resolve, (err: unknown) => {
        logger.error({ err }, 'error while stopping');
        process.exitCode = 1;
        resolve();
      });
    };
    process.once('SIGTERM', () => shutdown('SIGTERM'));
    process.once('SIGINT', () => shutdown('SIGINT'));
    if (options.onHangup) process.on('SIGHUP', options.onHangup);
    void app.failed?.then(() => {
      process.exitCode = 1;
      resolve();
    });
  });
  const exit = setTimeout(() => {
    logger.warn({ open: process.getActiveResourcesInfo() }, 'resources still open after stopping; exiting anyway');
    logger.flush(() => process.exit());
  }, 2000);
  exit.unref();
  logger.flush();
}
