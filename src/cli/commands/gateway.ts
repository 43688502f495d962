import { readFileSync } from 'node:fs';
import type { Command } from 'commander';
import { WardenError } from '../../errors.js';
import { DEFAULT_CONFIG_FILE, loadConfig } from '../../config/load.js';
import { gatewaySchema } from '../../config/sections/gateway.js';
import type { GatewayConfig } from '../../config/sections/gateway.js';
import { createLogger } from '../../observability/logger.js';
import { createKafka } from '../../pipeline/kafka-client.js';
import { createEnforcer } from '../../enforcer/enforcer.js';
import { startGateway } from '../../enforcer/gateway.js';
import { createIdentifier, loadTokensFile } from '../../enforcer/identify.js';
import { openInlineDecider } from '../../enforcer/inline-setup.js';
import { publicKeysFrom } from '../shared/blocks-io.js';
import { collectRepeated, intFlag } from '../support/flags.js';

interface GatewayFlags {
  config: string;
  listen?: string;
  upstream?: string;
  identify?: string;
  header?: string;
  tokensFile?: string;
  failMode?: string;
  maxStaleness?: string;
  publicKey?: string[];
  readyTimeout: string;
  inline?: boolean;
}

/** Flags override the `gateway` section; the result is validated by the same schema. */
function gatewayConfig(base: GatewayConfig, flags: GatewayFlags): GatewayConfig {
  const raw: Record<string, unknown> = JSON.parse(JSON.stringify(base)) as Record<string, unknown>;
  if (flags.listen) {
    const match = /^(?:(.*):)?(\d+)$/.exec(flags.listen);
    if (!match) throw new WardenError('WARDEN_USAGE', `--listen wants host:port or port, got "${flags.listen}"`);
    raw.listen = { host: match[1] || '127.0.0.1', port: Number(match[2]) };
  }
  if (flags.upstream) raw.upstream = flags.upstream;
  const identify = raw.identify as Record<string, unknown>;
  if (flags.identify) identify.mode = flags.identify;
  if (flags.header) identify.header = flags.header;
  if (flags.tokensFile) identify.tokensFile = flags.tokensFile;
  if (flags.failMode) raw.failMode = flags.failMode;
  if (flags.maxStaleness) raw.maxStalenessMs = intFlag('max-staleness', flags.maxStaleness, 1);
  if (flags.inline) (raw.inline as Record<string, unknown>).enabled = true;
  const parsed = gatewaySchema.safeParse(raw);
  if (!parsed.success) throw new WardenError('WARDEN_USAGE', parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('\n'));
  return parsed.data;
}

export function registerGatewayCommand(program: Command): void {
  program
    .command('gateway')
    .description('enforcement sidecar: proxies to an upstream API, answers 403 for blocked callers, and serves /v1/check for nginx auth_request and Envoy ext_authz')
    .option('--listen <host:port>', 'listen address (default: gateway.listen)')
    .option('--upstream <url>', 'API to forward allowed requests to (default: gateway.upstream; none = check endpoint only)')
    .option('--identify <mode>', 'caller identification: header, bearer or mtls (default: gateway.identify.mode)')
    .option('--header <name>', 'identity header in header mode (default: x-warden-identity)')
    .option('--tokens-file <file>', 'bearer token → identity map (YAML) for bearer mode')
    .option('--fail-mode <mode>', 'open or closed once the block table is stale (default: gateway.failMode)')
    .option('--max-staleness <ms>', 'no contact with the blocks topic for this long = stale (default: gateway.maxStalenessMs)')
    .option('--inline', 'decide each request before forwarding it, with the decider of warden run (default: gateway.inline.enabled)')
    .option('--public-key <file>', 'a trusted public key; repeat the option to trust several (a key rotation) (default: signing.publicKeyFile)', collectRepeated, [])
    .option('--ready-timeout <ms>', 'wait this long for the block table before serving anyway (then /_warden/readyz says not ready)', '30000')
    .option('-c, --config <file>', 'config file', DEFAULT_CONFIG_FILE)
    .action(async (flags: GatewayFlags) => {
      const readyTimeout = intFlag('ready-timeout', flags.readyTimeout, 0);
      const config = loadConfig(flags.config);
      const gw = gatewayConfig(config.gateway, flags);
      const logger = createLogger({ level: config.logging.level });
      const tokens = gw.identify.tokensFile ? loadTokensFile(gw.identify.tokensFile) : null;
      const identifier = createIdentifier(gw.identify, tokens);
      const tls = gw.tls
        ? { cert: readFileSync(gw.tls.certFile, 'utf8'), key: readFileSync(gw.tls.keyFile, 'utf8'), ...(gw.tls.caFile ? { ca: readFileSync(gw.tls.caFile, 'utf8') } : {}), requestClientCert: gw.tls.requestClientCert }
        : undefined;
      if (gw.identify.mode === 'mtls' && !tls?.requestClientCert) throw new WardenError('WARDEN_USAGE', 'mtls identification needs gateway.tls with caFile and requestClientCert: true');
      const enforcer = createEnforcer({
        kafka: createKafka(config, logger, '-gateway'),
        topic: config.kafka.topics.blocks,
        approvalsTopic: config.kafka.topics.approvals,
        publicKeys: publicKeysFrom(config, flags.publicKey),
        failMode: gw.failMode,
        maxStalenessMs: gw.maxStalenessMs,
        logger,
      });
      enforcer.on('block', (b) => logger.info({ identity: b.identity, tokenId: b.tokenId, reason: b.reason, expiresAt: b.expiresAt }, 'block applied'));
      enforcer.on('lift', (l) => logger.info({ identity: l.identity, tokenId: l.tokenId }, 'block lifted'));
      enforcer.on('expire', (b) => logger.info({ identity: b.identity, tokenId: b.tokenId }, 'block expired'));
      try {
        await enforcer.ready(readyTimeout);
      } catch (err) {
        logger.warn({ err, failMode: gw.failMode }, 'serving before the block table caught up');
      }
      const inline = gw.inline.enabled ? await openInlineDecider(config, gw, logger) : null;
      const gateway = await startGateway({ config: gw, checker: enforcer, identifier, ...(tls ? { tls } : {}), ...(inline ? { inline: inline.decide, inlineStats: inline.stats } : {}), isReady: () => enforcer.stats().ready, enforcerStats: () => enforcer.stats(), logger });
      const inlineNote = inline ? `, inline: failMode ${gw.inline.failMode}, timeout ${gw.inline.timeoutMs} ms${inline.emitTopic ? `, emitting to ${inline.emitTopic}` : ''}` : '';
      console.log(`warden gateway on ${gateway.url}${gw.upstream ? ` → ${gw.upstream}` : ''} (check: ${gateway.url}${gw.checkPath}, identify: ${gw.identify.mode}, failMode: ${gw.failMode}${inlineNote})`);
      await new Promise<void>((resolve) => {
        const stop = (): void => resolve();
        process.once('SIGINT', stop);
        process.once('SIGTERM', stop);
      });
      await gateway.close();
      await inline?.close();
      await enforcer.close();
      // A Kafka connect attempt still backing off must not hold the process after a clean stop.
      setTimeout(() => process.exit(), 1000).unref();
    });
}
