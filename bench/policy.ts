/**
 * Policy evaluations per second with 500 rules on one core (bar: ≥ 200k/s).
 *   npx tsx bench/policy.ts
 * Ceiling measured in the same run: a loop that does only what any evaluation must do (one Map
 * lookup of the identity's policies, reading the event's fields, parsing its time).
 */
import { parsePolicyFile } from '../src/policy/parse.js';
import { buildPolicySet } from '../src/policy/policy-set.js';
import { createPolicyEngine } from '../src/policy/engine.js';
import { compileInventory } from '../src/identity/inventory.js';
import { createIdentityResolver } from '../src/identity/resolver.js';
import type { WardenEvent } from '../src/events/event.js';
import type { IdentityResolution } from '../src/identity/types.js';

const POLICIES = 100; // × 5 rules = 500 rules
const IDENTITIES = 2000;
const EVENTS = 20_000;
const ROUNDS = 15;

function policyText(p: number): string {
  return `policy: team-${p}
scope: { identities: ["arn:aws:iam::*:role/team-${p}-*"] }
rules:
  - { id: allowed, kind: allow, actions: ["s3:GetObject", "s3:PutObject", "s3:List*", "dynamodb:*", "sqs:SendMessage"], resources: ["arn:aws:s3:::team-${p}-*", "arn:aws:dynamodb:*:*:table/team-${p}-*", "arn:aws:sqs:*:*:team-${p}-*"] }
  - { id: no-iam, kind: deny, actions: ["iam:*", "kms:ScheduleKeyDeletion", "s3:DeleteBucket"] }
  - { id: hours, kind: time-window, timezone: Europe/Paris, windows: ["Mon-Fri 06:00-22:00"], verdict: alert }
  - { id: network, kind: source, cidrs: ["10.${p % 256}.0.0/16", "2001:db8:${p.toString(16)}::/48"], regions: ["eu-*"] }
  - { id: rate, kind: rate-limit, actions: ["s3:PutObject"], max: 1000, per: 1m, verdict: alert }
`;
}

const set = buildPolicySet(Array.from({ length: POLICIES }, (_, p) => parsePolicyFile(policyText(p), `team-${p}.yaml`)));
const rules = set.policies.reduce((n, p) => n + p.rules.length, 0);
const inventory = compileInventory(Array.from({ length: POLICIES }, (_, p) => ({ id: `arn:aws:iam::*:role/team-${p}-*`, owner: `team-${p}`, class: 'service' })));

// Mostly ordinary work, with a share of violations (IAM, out-of-list actions, foreign networks).
const actions = ['s3:GetObject', 's3:PutObject', 's3:ListBucket', 'dynamodb:Query', 's3:GetObject', 'sqs:SendMessage', 's3:GetObject', 'iam:CreateAccessKey', 's3:PutObject', 'ec2:RunInstances'];
const identityIds = Array.from({ length: IDENTITIES }, (_, i) => `arn:aws:iam::123456789012:role/team-${i % POLICIES}-svc${i}`);
const base = Date.UTC(2026, 10, 23, 8, 0, 0);
const events: WardenEvent[] = Array.from({ length: EVENTS }, (_, i) => {
  const who = (i * 7919) % IDENTITIES;
  const p = who % POLICIES;
  return {
    id: `e${i}`,
    time: new Date(base + i * 250).toISOString(),
    identity: { id: identityIds[who] ?? '' },
    action: actions[i % actions.length] ?? '',
    resource: `arn:aws:s3:::team-${p}-bucket/key-${i}`,
    source: { ip: i % 50 === 0 ? '203.0.113.7' : `10.${p % 256}.${i % 200}.${i % 250}`, region: 'eu-west-1' },
  };
});
const resolver = createIdentityResolver(inventory);
const resolutions: IdentityResolution[] = events.map((e) => resolver.resolve(e));

function measure(label: string, body: () => number): number {
  body(); // warm-up
  let best = 0;
  for (let r = 0; r < 3; r++) {
    const t0 = process.hrtime.bigint();
    const n = body();
    const s = Number(process.hrtime.bigint() - t0) / 1e9;
    best = Math.max(best, n / s);
  }
  console.log(`${label.padEnd(52)} ${Math.round(best).toLocaleString('en-US').padStart(12)} /s`);
  return best;
}

console.log(`${rules} rules in ${set.policies.length} policies, ${IDENTITIES} identities, ${EVENTS} distinct events, node ${process.version}`);

// Ceiling: per event, the unavoidable work: policies-of-identity lookup + field reads + time parse.
const byIdentity = new Map(identityIds.map((id, i) => [id, set.policies[i % POLICIES]]));
let sink = 0;
const ceiling = measure('ceiling (Map lookup + field reads + Date.parse)', () => {
  for (let r = 0; r < ROUNDS; r++) {
    for (const e of events) {
      const p = byIdentity.get(e.identity.id);
      sink += (p ? 1 : 0) + e.action.length + (e.resource?.length ?? 0) + (e.source?.ip?.length ?? 0) + Date.parse(e.time);
    }
  }
  return ROUNDS * EVENTS;
});

const engine = createPolicyEngine(set, { mode: 'enforce' });
const verdicts = { allow: 0, alert: 0, block: 0 };
let counted = false;
const policyRate = measure('policy engine.evaluate (500 rules)', () => {
  for (let r = 0; r < ROUNDS; r++) {
    for (let i = 0; i < EVENTS; i++) {
      const v = engine.evaluate(events[i] as WardenEvent, resolutions[i] as IdentityResolution).verdict;
      if (!counted) verdicts[v ?? 'allow']++;
    }
    counted = true;
  }
  return ROUNDS * EVENTS;
});

const stage = (() => {
  const res = createIdentityResolver(inventory);
  const eng = createPolicyEngine(set, { mode: 'enforce' });
  return measure('identity resolve + policy evaluate', () => {
    for (let r = 0; r < ROUNDS; r++) for (const e of events) sink += eng.evaluate(e, res.resolve(e)).reasons.length;
    return ROUNDS * EVENTS;
  });
})();

// Worst case: every one of the 500 rules governs every event (100 org-wide policies), so each
// event runs 500 checks; the same events, so the same share of violations (IAM, ec2, foreign IPs).
function densePolicyText(p: number): string {
  return `policy: org-${p}
scope: { classes: [service] }
rules:
  - { id: allowed, kind: allow, actions: ["s3:GetObject", "s3:PutObject", "s3:List*", "dynamodb:*", "sqs:SendMessage", "svc${p}:*"], resources: ["arn:aws:s3:::team-*", "arn:aws:dynamodb:*", "arn:aws:sqs:*"] }
  - { id: no-iam, kind: deny, actions: ["iam:*", "kms:ScheduleKeyDeletion", "x${p}:*"] }
  - { id: hours, kind: time-window, timezone: Europe/Paris, windows: ["Mon-Fri 06:00-22:00"], verdict: alert }
  - { id: network, kind: source, cidrs: ["10.0.0.0/8", "2001:db8::/32"], regions: ["eu-*"] }
  - { id: rate, kind: rate-limit, actions: ["s3:PutObject"], max: 1000, per: 1m, verdict: alert }
`;
}
const denseSet = buildPolicySet(Array.from({ length: POLICIES }, (_, p) => parsePolicyFile(densePolicyText(p), `org-${p}.yaml`)));
const denseEngine = createPolicyEngine(denseSet, { mode: 'enforce' });
const dense = measure('worst case: all 500 rules apply to every event', () => {
  const n = 2000;
  for (let i = 0; i < n; i++) sink += denseEngine.evaluate(events[i] as WardenEvent, resolutions[i] as IdentityResolution).reasons.length;
  return n;
});

console.log(`verdicts (one round): ${JSON.stringify(verdicts)}`);
console.log(`policy engine at ${((policyRate / ceiling) * 100).toFixed(1)}% of the ceiling; identity+policy at ${((stage / ceiling) * 100).toFixed(1)}%`);
console.log(`worst case evaluates ${Math.round(dense * rules).toLocaleString('en-US')} rule checks/s`);
console.log(`bar 200,000/s: ${policyRate >= 200_000 ? 'met' : 'NOT met'} (${(policyRate / 200_000).toFixed(2)}x)`);
if (sink === -1) console.log('');
