import type { Command } from 'commander';
import { DEFAULT_CONFIG_FILE, loadConfig } from '../../config/load.js';
import { createLogger } from '../../observability/logger.js';
import { startWardenApp } from '../../pipeline/app.js';
import { buildStages } from '../../pipeline/stages.js';

export function registerRunCommand(program: Command): void {
  program
    .command('run')
    .description('run the live pipeline: audit events from Kafka → signed decisions, blocks and dead letters')
    .option('-c, --config <file>', 'config file', DEFAULT_CONFIG_FILE)
    .option('--identities <file>', 'identity inventory (default: identity.inventory)')
    .option('--policies <dir>', 'policy folder (default: policy.dir)')
    .action(async (opts: { config: string; identities?: string; policies?: string }) => {
      const config = loadConfig(opts.config);
      const logger = createLogger({ level: config.logging.level });
      const stages = await buildStages(config, logger, { inventory: opts.identities, policyDir: opts.policies, followApprovals: true });
      let app: Awaited<ReturnType<typeof startWardenApp>>;
      try {
        app = await startWardenApp(config, logger, stages);
      } catch (err) {
        // The start closed what it opened, but a kafkajs client still connecting (the approvals
        // follower's, say, against a broker whose certificate is refused) keeps retrying on its
        // own timers: once the error is reported, the process exits anyway after a short grace.
        setTimeout(() => process.exit(process.exitCode ?? 1), 2000).unref();
        throw err;
      }
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
        process.on('SIGHUP', () => stages.reload?.());
        void app.failed.then(() => {
          process.exitCode = 1;
          resolve();
        });
      });
      // Everything Warden opened is closed by now. A client library can still hold a timer or a
      // socket (kafkajs can, after a broker restart): the process exits anyway, after a short
      // grace, and names what was still open.
      const exit = setTimeout(() => {
        logger.warn({ open: process.getActiveResourcesInfo() }, 'resources still open after stopping; exiting anyway');
        logger.flush(() => process.exit());
      }, 2000);
      exit.unref();
      logger.flush();
    });
}
