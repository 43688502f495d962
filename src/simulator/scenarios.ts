/**
 * Simulator scenarios behind one entry point. `varied` (the default) is the harder, randomised
 * test; `classic` is the original generator kept byte-for-byte as a regression set.
 */
import type { WardenEvent } from '../events/event.js';
import type { IdentityRecord } from '../identity/types.js';
import { cloudTrailRecords } from './cloudtrail.js';
import type { Episode, EventLabel } from './generate.js';
import { simulate } from './generate.js';
import { TEAMS } from './varied/fleet.js';
import type { VariedSimulation } from './varied/generate.js';
import { simulateVaried } from './varied/generate.js';

export const SCENARIOS = ['varied', 'classic'] as const;
export type ScenarioName = (typeof SCENARIOS)[number];

export const OUTPUT_FORMATS = ['warden', 'cloudtrail'] as const;
export type OutputFormat = (typeof OUTPUT_FORMATS)[number];

export interface ScenarioOptions {
  seed: number;
  days: number;
  fleet: number;
  start?: string;
}

export interface ScenarioOutput {
  scenario: ScenarioName;
  events: WardenEvent[];
  labels: EventLabel[];
  episodes: Episode[];
  /** The inventory (`identities.yaml` records) the fleet's owners would have written. */
  inventory: IdentityRecord[];
  /** CloudTrail records (native events for non-AWS identities), one per event; varied only. */
  cloudtrail: (() => unknown[]) | null;
}

/** Inventory of a varied fleet: exact records for registered identities, plus one role glob per team. */
export function variedInventory(sim: Pick<VariedSimulation, 'identities' | 'account'>): IdentityRecord[] {
  const records: IdentityRecord[] = sim.identities.filter((i) => i.inventoried).map((i) => {
    const r: IdentityRecord = { id: i.id, owner: i.owner, class: i.archetype, environment: i.env, type: i.principal };
    if (i.principal === 'user') r.tokens = [...i.tokens];
    return r;
  });
  // Teams name their roles `<team>-…`: a glob lets a new role of theirs resolve to an owner.
  for (const team of TEAMS) records.push({ id: `arn:aws:iam::${sim.account}:role/${team}-*`, owner: `team-${team}`, type: 'role' });
  return records;
}

export function runScenario(scenario: ScenarioName, options: ScenarioOptions): ScenarioOutput {
  if (scenario === 'classic') {
    const sim = simulate(options);
    const inventory = sim.identities.map((i) => ({ id: i.id, owner: i.owner, class: i.kind, environment: i.env, tokens: [i.tokenId] }));
    return { scenario, events: sim.events, labels: sim.labels, episodes: sim.episodes, inventory, cloudtrail: null };
  }
  const sim = simulateVaried(options);
  return { scenario, events: sim.events, labels: sim.labels, episodes: sim.episodes, inventory: variedInventory(sim), cloudtrail: () => cloudTrailRecords(sim.events, sim.drafts) };
}
