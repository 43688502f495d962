/**
 * Child process of bench/enforce.ts, so that the load generator and the gateway do not share an
 * event loop: `gateway <upstreamUrl> <brokers> <topic> <publicKeyB64>` is `warden gateway` in
 * front of the benchmark's upstream, fed by a real enforcer.
 */
import { gatewaySchema } from '../src/config/sections/gateway.js';
import { createEnforcer } from '../src/enforcer/enforcer.js';
import { startGateway } from '../src/enforcer/gateway.js';
import { createIdentifier } from '../src/enforcer/identify.js';

// Never outlive the benchmark that started us.
process.on('disconnect', () => process.exit(0));

const [role, upstreamUrl = '', brokers = '127.0.0.1:9092', topic = 'warden.blocks', publicKeyB64 = ''] = process.argv.slice(2);

if (role === 'gateway') {
  const enforcer = createEnforcer({ brokers: brokers.split(','), topic, publicKeys: [Buffer.from(publicKeyB64, 'base64').toString()], failMode: 'open' });
  await enforcer.ready(60_000);
  const config = gatewaySchema.parse({ listen: { port: 0 }, upstream: upstreamUrl });
  const gateway = await startGateway({ config, checker: enforcer, identifier: createIdentifier(config.identify, null) });
  process.send?.({ url: gateway.url, activeBlocks: enforcer.stats().activeBlocks });
  process.on('message', () => {
    void gateway.close().then(() => enforcer.close()).then(() => process.exit(0));
  });
}
