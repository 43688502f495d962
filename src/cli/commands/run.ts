import type { Command } from 'commander';
import { DEFAULT_CONFIG_FILE, loadConfig } from '../../config/load.js';
import { createLogger } from '../../observability/logger.js';
import { startWardenApp } from '../../pipeline/app.js';
import { buildStages } from '../../pipeline/stages.js';
import { startThreadedWarden } from '../../pipeline/threads/host.js';
import { serveUntilStopped } from '../support/serve.js';
import { RECOMMENDED_NODE_FLAGS, youngGenerationSet } from '../support/node-flags.js';

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
      if (!youngGenerationSet()) {
        logger.info({ nodeFlags: RECOMMENDED_NODE_FLAGS }, `node was started with its default young generation: \`node ${RECOMMENDED_NODE_FLAGS.join(' ')} bin/warden.js run\` (as the Dockerfile and the npm scripts do) spends less CPU per event on garbage collection`);
      }
      if (config.pipeline.threads > 1) {
        let threaded: Awaited<ReturnType<typeof startThreadedWarden>>;
        try {
          threaded = await startThreadedWarden(config, logger, { configFile: opts.config, identities: opts.identities, policies: opts.policies });
        } catch (err) {
          setTimeout(() => process.exit(process.exitCode ?? 1), 2000).unref();
          throw err;
        }
        await serveUntilStopped(threaded, logger, { onHangup: () => threaded.reload() });
        return;
      }
      let stages: Awaited<ReturnType<typeof buildStages>>;
      let app: Awaited<ReturnType<typeof startWardenApp>>;
      try {
        stages = await buildStages(config, logger, { inventory: opts.identities, policyDir: opts.policies, followApprovals: true });
        app = await startWardenApp(config, logger, stages);
      } catch (err) {
        // A start that fails can leave a connection behind: the Redis client of stages that could
        // not be built (a missing public key), or a kafkajs client still retrying its connection
        // (the approvals follower's, against a broker whose certificate is refused). Once the
        // error is reported, the process exits anyway after a short grace.
        setTimeout(() => process.exit(process.exitCode ?? 1), 2000).unref();
        throw err;
      }
      await serveUntilStopped(app, logger, { onHangup: () => stages.reload?.() });
    });
}
