import type { Command } from 'commander';
import { DEFAULT_CONFIG_FILE, loadConfig } from '../../config/load.js';
import { WardenError } from '../../errors.js';
import { createLogger } from '../../observability/logger.js';
import { startConsole } from '../../console/start.js';
import { publicKeysFrom } from '../shared/blocks-io.js';
import { collectRepeated } from '../support/flags.js';

interface ConsoleFlags {
  config: string;
  listen?: string;
  publicKey?: string[];
}

/** `host:port` or `port` (host 127.0.0.1). */
export function parseListen(text: string): { host: string; port: number } {
  const match = /^(?:(.*):)?(\d+)$/.exec(text);
  const port = Number(match?.[2]);
  if (!match || port > 65535) throw new WardenError('WARDEN_USAGE', `--listen wants host:port or port, got "${text}"`);
  return { host: match[1] || '127.0.0.1', port };
}

export function registerConsoleCommand(program: Command): void {
  program
    .command('console')
    .description('operator web console: live decisions, identities, fleet, blocks and health; block and lift from the browser (needs WARDEN_CONSOLE_TOKEN, console.tokenFile or console.proxy)')
    .option('--listen <host:port>', 'listen address (default: console.listen, 127.0.0.1:8090)')
    .option('--public-key <file>', 'a trusted public key; repeat the option to trust several (a key rotation) (default: signing.publicKeyFile)', collectRepeated, [])
    .option('-c, --config <file>', 'config file', DEFAULT_CONFIG_FILE)
    .action(async (flags: ConsoleFlags) => {
      const listen = flags.listen ? parseListen(flags.listen) : undefined;
      const config = loadConfig(flags.config);
      const logger = createLogger({ level: config.logging.level });
      const running = await startConsole(config, logger, { ...(listen ? { listen } : {}), ...(flags.publicKey && flags.publicKey.length > 0 ? { publicKeys: publicKeysFrom(config, flags.publicKey) } : {}) });
      console.log(`warden console on ${running.url} (decisions: ${config.kafka.topics.decisions}, blocks: ${config.kafka.topics.blocks})`);
      await new Promise<void>((resolve) => {
        process.once('SIGINT', resolve);
        process.once('SIGTERM', resolve);
      });
      await running.close();
      setTimeout(() => process.exit(), 1000).unref();
    });
}
