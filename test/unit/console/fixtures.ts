/** A console assembled without services: memory store, in-memory indexes, records published to an array. */
import { parseConfig } from '../../../src/config/load.js';
import { emptyProfile } from '../../../src/baseline/profile.js';
import type { IdentityProfile } from '../../../src/baseline/profile.js';
import { MemoryBaselineStore } from '../../../src/baseline/store-memory.js';
import type { BlockRecord } from '../../../src/decisions/block-record.js';
import type { Decision } from '../../../src/decisions/decision.js';
import { createSigner, createVerifier, generateKeyPair } from '../../../src/decisions/signing.js';
import type { Signer } from '../../../src/decisions/signing.js';
import { compileInventory } from '../../../src/identity/inventory.js';
import { silentLogger } from '../../../src/observability/logger.js';
import { ConsoleAuth } from '../../../src/console/auth.js';
import { BlockView } from '../../../src/console/block-view.js';
import { DecisionIndex } from '../../../src/console/decision-index.js';
import { EventCache } from '../../../src/console/event-cache.js';
import { LiveHub } from '../../../src/console/live.js';
import { buildConsoleServer } from '../../../src/console/server.js';
import type { FastifyInstance } from 'fastify';
import { createHash } from 'node:crypto';

export const OPERATOR_TOKEN = 'operator-token-0123456789abcdef';
export const VIEWER_TOKEN = 'viewer-token-0123456789abcdef';

export function sha(text: string): string {
  return createHash('sha256').update(text).digest('hex');
}

export function decision(i: number, overrides: Partial<Decision> = {}): Decision {
  return {
    decisionId: `d-${i}`,
    eventId: `e-${i}`,
    identity: 'svc-deployer',
    owner: 'team-platform',
    action: 's3:PutObject',
    resource: 'arn:aws:s3:::artifacts/app.tgz',
    eventTime: new Date(Date.UTC(2026, 10, 20, 0, 0, 0) + i * 60_000).toISOString(),
    decidedAt: new Date(Date.UTC(2026, 10, 20, 0, 0, 0) + i * 60_000).toISOString(),
    verdict: 'allow',
    score: 0,
    mode: 'enforce',
    reasons: [],
    policy: { id: null, version: 'p1' },
    model: null,
    ...overrides,
  };
}

/** A profile with a busy Monday morning and a few values, as learning would leave it. */
export function profileOf(identity: string): IdentityProfile {
  const p = emptyProfile(identity, 64);
  const t = Date.UTC(2026, 10, 20);
  p.firstSeen = t - 20 * 86_400_000;
  p.lastSeen = t;
  p.events = 5000;
  p.hours[9] = 40;
  p.hours[10] = 25;
  p.hoursTotal = 65;
  for (const [dim, value] of [['action', 's3:PutObject'], ['ua', 'terraform/1.9'], ['net', '10.1.2.0/24']] as const) {
    p.maps[dim].entries[value] = { legit: 90, n: 100, first: p.firstSeen, last: t, days: 20, lastDay: t };
    p.maps[dim].size = 1;
  }
  return p;
}

export interface TestConsole {
  app: FastifyInstance;
  index: DecisionIndex;
  blocks: BlockView;
  events: EventCache;
  store: MemoryBaselineStore;
  published: BlockRecord[];
  signer: Signer;
  live: LiveHub;
}

export async function testConsole(options: { maxDecisions?: number; perIdentityDecisions?: number } = {}): Promise<TestConsole> {
  const config = parseConfig('console: { liveMaxPerSecond: 10 }', 'warden.yaml');
  const keys = generateKeyPair();
  const signer = createSigner(keys.privateKeyPem);
  const verifier = createVerifier([keys.publicKeyPem]);
  const auth = new ConsoleAuth({ tokens: new Map([[sha(OPERATOR_TOKEN), { name: 'olga', role: 'operator' }], [sha(VIEWER_TOKEN), { name: 'vic', role: 'read-only' }]]), sessionMs: 3_600_000, secureCookie: true });
  const index = new DecisionIndex({ maxDecisions: options.maxDecisions ?? 1000, perIdentityDecisions: options.perIdentityDecisions ?? 50, maxIdentities: 100 });
  const blocks = new BlockView(verifier);
  const events = new EventCache(100);
  const live = new LiveHub(index, 10);
  const store = new MemoryBaselineStore();
  const published: BlockRecord[] = [];
  const inventory = compileInventory([{ id: 'svc-deployer', owner: 'team-platform', class: 'ci-deployer', tokens: ['AKIA1'] }, { id: 'svc-guess', owner: 'team-x', verified: false }]);
  const app = await buildConsoleServer({
    config,
    auth,
    index,
    blocks,
    events,
    live,
    store,
    inventory: () => inventory,
    verifier,
    publishBlock: async (record) => {
      const signed = signer.sign(record);
      published.push(signed);
      return signed;
    },
    health: { pipelineLag: async () => [], consoleLag: () => [], consoleReady: () => true, malformedDecisions: () => 0, storeReachable: async () => true },
    logger: silentLogger,
  });
  return { app, index, blocks, events, store, published, signer, live };
}
