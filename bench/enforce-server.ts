/**
 * Child process of bench/enforce.ts, so that the load generator and the gateway do not share an
 * event loop: `gateway <upstreamUrl> <brokers> <topic> <publicKeyB64>` is `warden gateway` in
 * front of the benchmark's upstream, fed by a real enforcer.
 */
import type { AddressInfo } from 'node:net';
import { gatewaySchema } from '../src/config/sections/gateway.js';
import { createEnforcer } from '../src/enforcer/enforcer.js';
import { startGateway } from '../src/enforcer/gateway.js';
import { createIdentifier } from '../src/enforcer/identify.js';

// Never outlive the benchmark that started us.
process.on('disconnect', () => process.exit(0));

const [role, upstreamUrl = '', brokers = '127.0.0.1:9092', topic = 'warden.blocks', publicKeyB64 = ''] = process.argv.slice(2);

if (role === 'bare-proxy') {
  // The ceiling: the same undici pool.stream forwarding with no identification, check or metrics.
  const { createServer } = await import('node:http');
  const { Pool } = await import('undici');
  const pool = new Pool(upstreamUrl, { connections: 128 });
  const server = createServer((req, res) => {
    void pool
      .stream({ method: 'GET', path: req.url ?? '/', headers: { 'x-warden-identity': String(req.headers['x-warden-identity']) } }, ({ statusCode, headers }) => {
        res.writeHead(statusCode, headers as Record<string, string>);
        return res;
      })
      .catch(() => res.destroy());
  });
  server.keepAliveTimeout = 65_000;
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const { port } = server.address() as AddressInfo;
  process.send?.({ url: `http://127.0.0.1:${port}` });
  process.on('message', (m) => {
    if (m === 'cpu') process.send?.({ cpu: process.cpuUsage() });
    else process.exit(0);
  });
} else if (role === 'gateway') {
  const enforcer = createEnforcer({ brokers: brokers.split(','), topic, publicKeys: [Buffer.from(publicKeyB64, 'base64').toString()], failMode: 'open' });
  await enforcer.ready(60_000);
  const config = gatewaySchema.parse({ listen: { port: 0 }, upstream: upstreamUrl });
  const gateway = await startGateway({ config, checker: enforcer, identifier: createIdentifier(config.identify, null) });
  process.send?.({ url: gateway.url, activeBlocks: enforcer.stats().activeBlocks });
  process.on('message', (m) => {
    if (m === 'cpu') process.send?.({ cpu: process.cpuUsage() });
    else void gateway.close().then(() => enforcer.close()).then(() => process.exit(0));
  });
}
