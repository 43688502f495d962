/**
 * The input of the batch-path benchmarks (batch-path.ts, learn.ts): the simulator's fleet as
 * native records, repeated with fresh ids and later times up to `n`, and the identity resolver
 * and (empty) policy engine a decider needs for it.
 */
import { readFileSync } from 'node:fs';
import type { WardenConfig } from '../../src/config/schema.js';
import type { SourceRecord } from '../../src/pipeline/batch-processor.js';
import { compileInventory } from '../../src/identity/inventory.js';
import { createIdentityResolver } from '../../src/identity/resolver.js';
import type { IdentityResolver } from '../../src/identity/types.js';
import { createPolicyEngine } from '../../src/policy/engine.js';
import { buildPolicySet } from '../../src/policy/policy-set.js';
import type { PolicyEngine } from '../../src/policy/types.js';
import { simulate } from '../../src/simulator/generate.js';

export interface BatchFixture {
  /** One JSON record value per event. */
  values: Buffer[];
  resolver: IdentityResolver;
  policy: PolicyEngine;
}

export function simulatorBatchFixture(config: WardenConfig, n: number): BatchFixture {
  const sim = simulate({ seed: 3, days: 14, fleet: 60 });
  const values = Array.from({ length: n }, (_, i) => {
    const e = sim.events[i % sim.events.length]!;
    const lap = Math.floor(i / sim.events.length);
    return Buffer.from(JSON.stringify(lap === 0 ? e : { ...e, id: `${e.id}-r${lap}`, time: new Date(Date.parse(e.time) + lap * 14 * 86_400_000).toISOString() }));
  });
  const inventory = sim.identities.map((i) => ({ id: i.id, owner: i.owner, class: i.kind, environment: i.env, tokens: [i.tokenId] }));
  const resolver = createIdentityResolver(compileInventory(inventory as never), { unknownIdentity: config.identity.unknownIdentity });
  const policy = createPolicyEngine(buildPolicySet([]), { mode: config.policy.mode } as never);
  return { values, resolver, policy };
}

/** Records `from` … `to` of the fixture as one batch of partition 0 of topic `audit`. */
export function batchOf(values: readonly Buffer[], from: number, to: number): SourceRecord[] {
  const batch: SourceRecord[] = [];
  for (let j = from; j < to; j++) batch.push({ topic: 'audit', partition: 0, offset: String(j), value: values[j]!, timestamp: '0' });
  return batch;
}

/** CPU µs of this process's main thread so far (Linux: /proc/thread-self/schedstat; NaN elsewhere). */
export function mainThreadMicros(): number {
  try {
    return Number(readFileSync('/proc/thread-self/schedstat', 'utf8').split(' ')[0]) / 1000;
  } catch {
    return Number.NaN;
  }
}

/** CPU µs (user + system) of the process so far. */
export function cpuMicros(): number {
  const { user, system } = process.cpuUsage();
  return user + system;
}
