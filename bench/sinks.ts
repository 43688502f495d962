/**
 * `warden sinks` costs, in process (no broker): reading a decisions-topic mix (allows skipped by
 * header, alerts/blocks parsed and their Merkle-batch signature verified, as `warden run` signs
 * them), converting to OCSF, and delivering notifications to a local HTTP receiver. The ceiling is
 * what any consumer must do: look at the header and JSON.parse the records it keeps.
 *
 * Usage: npx tsx bench/sinks.ts [--messages 200000] [--alert-share 0.03] [--notifications 2000]
 */
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { parseArgs } from 'node:util';
import { request } from 'undici';
import type { KafkaMessage } from 'kafkajs';
import { stringify } from 'yaml';
import { parseConfig } from '../src/config/load.js';
import type { Decision } from '../src/decisions/decision.js';
import { createSigner, createVerifier, generateKeyPair } from '../src/decisions/signing.js';
import { readDecision } from '../src/notify/decision-sinks.js';
import { createSinkMetrics } from '../src/notify/metrics.js';
import { Notifier } from '../src/notify/notifier.js';
import { resolveTargets } from '../src/notify/targets.js';
import { silentLogger } from '../src/observability/logger.js';
import { decisionToFinding } from '../src/ocsf-out/convert.js';
import { fmt } from './lib/stats.js';

const { values } = parseArgs({ options: { messages: { type: 'string', default: '200000' }, 'alert-share': { type: 'string', default: '0.03' }, notifications: { type: 'string', default: '2000' } } });
const total = Number(values.messages);
const alertShare = Number(values['alert-share']);
const notifications = Number(values.notifications);

function decisionAt(i: number, verdict: Decision['verdict']): Decision {
  return {
    decisionId: `d-${i}`,
    eventId: `e-${i}`,
    identity: `svc-${i % 500}`,
    owner: `team-${i % 20}`,
    action: i % 2 ? 's3:GetObject' : 'iam:CreateAccessKey',
    resource: `arn:aws:s3:::bucket-${i % 50}/key-${i}`,
    eventTime: new Date(Date.UTC(2026, 10, 20) + i * 10).toISOString(),
    decidedAt: new Date(Date.UTC(2026, 10, 20) + i * 10 + 5).toISOString(),
    verdict,
    score: verdict === 'allow' ? 3 : verdict === 'alert' ? 60 : 90,
    mode: 'enforce',
    reasons:
      verdict === 'allow'
        ? []
        : [
            { code: 'NEW_ACTION', detail: 'action iam:CreateAccessKey never seen for this identity', weight: 35 },
            { code: 'NEW_SOURCE_ASN', detail: 'source ASN AS14061 never seen for this identity', weight: 30 },
            { code: 'RATE_SPIKE', detail: '140 calls in 60s against a usual 3.2', weight: 20 },
          ],
    policy: { id: null, version: 'v1' },
    model: null,
  };
}

const keys = generateKeyPair();
const signer = createSigner(keys.privateKeyPem, { batchSize: 64 });
const every = Math.max(1, Math.round(1 / alertShare));
const decisions = Array.from({ length: total }, (_, i) => decisionAt(i, i % every === 0 ? (i % (every * 2) === 0 ? 'block' : 'alert') : 'allow'));
const texts = signer.signAll(decisions);
const messages: KafkaMessage[] = texts.map((t, i) => ({ key: Buffer.from(decisions[i]!.identity), value: Buffer.from(t), headers: { 'warden-verdict': Buffer.from(decisions[i]!.verdict) }, offset: String(i), timestamp: '0', attributes: 0, size: 0 }) as unknown as KafkaMessage);
const kept = decisions.filter((d) => d.verdict !== 'allow').length;

function rate(label: string, n: number, run: () => void): number {
  run(); // warm-up
  const t0 = process.hrtime.bigint();
  run();
  const s = Number(process.hrtime.bigint() - t0) / 1e9;
  console.log(`${label.padEnd(58)} ${fmt(n / s).padStart(12)} /s`);
  return n / s;
}

console.log(`${fmt(total)} decisions, ${fmt(kept)} alerts/blocks (${((kept / total) * 100).toFixed(1)}%), Merkle batches of 64, node ${process.version}`);
const ceiling = rate('ceiling (header check + JSON.parse of alerts/blocks)', total, () => {
  for (const m of messages) if (String(m.headers?.['warden-verdict']) !== 'allow') JSON.parse(m.value!.toString('utf8'));
});
const metrics = createSinkMetrics({ defaultMetrics: false });
const read = rate('read: header skip + parse + verify signature', total, () => {
  const verifier = createVerifier([keys.publicKeyPem]); // cold cache each run: every batch signature checked once
  for (const m of messages) readDecision(m, verifier, metrics, silentLogger);
});
const verified = decisions.filter((d) => d.verdict !== 'allow');
const convert = rate('decisionToFinding + JSON.stringify (per alert/block)', verified.length, () => {
  for (const d of verified) JSON.stringify(decisionToFinding(d, { productVersion: '0.1.0' }));
});
console.log(`read at ${((read / ceiling) * 100).toFixed(1)}% of the ceiling; OCSF conversion ${fmt(convert)} findings/s`);

// Notifications to a local receiver (Node's http server; a real Slack answers in ~100 ms and rate-limits to ~1/s per webhook).
const server = createServer((req, res) => {
  req.resume();
  req.on('end', () => res.end('ok'));
});
await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
const config = parseConfig(
  stringify({ notify: { targets: { hook: { type: 'webhook', url: `${url}/hook`, secret: 's' } }, routes: [{ targets: ['hook'] }], dedupWindowSeconds: 0, concurrency: 8 } }),
  'bench.yaml',
);
const notifier = new Notifier({ config: config.notify, consoleUrl: null, targets: resolveTargets(config.notify), deadLetters: null, metrics, logger: silentLogger });
/** The ceiling: bare undici POSTs of a small body, 8 in flight, to the same receiver. */
async function bareposts(n: number): Promise<number> {
  let next = 0;
  const t = process.hrtime.bigint();
  await Promise.all(
    Array.from({ length: 8 }, async () => {
      while (next++ < n) await (await request(`${url}/bare`, { method: 'POST', body: '{"a":1}', headers: { 'content-type': 'application/json' } })).body.text();
    }),
  );
  return n / (Number(process.hrtime.bigint() - t) / 1e9);
}
await bareposts(500);
await notifier.notify(verified.slice(0, 500)); // warm-up: connections and JIT
const bare = await bareposts(notifications);
const batch = verified.slice(0, notifications);
const t0 = process.hrtime.bigint();
await notifier.notify(batch);
const s = Number(process.hrtime.bigint() - t0) / 1e9;
console.log(`${'ceiling: bare undici POSTs (8 in flight, local receiver)'.padEnd(58)} ${fmt(bare).padStart(12)} /s`);
console.log(`${'signed webhooks delivered (concurrency 8, local receiver)'.padEnd(58)} ${fmt(batch.length / s).padStart(12)} /s`);
server.close();
