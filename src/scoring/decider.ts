/**
 * The one decision path, used by `warden replay` and by the live pipeline: identity → policy →
 * baseline → model → combine → learn, per batch, with one store load and one store write.
 */
import type { WardenConfig } from '../config/schema.js';
import type { Decision } from '../decisions/decision.js';
import type { WardenEvent } from '../events/event.js';
import type { IdentityResolution, IdentityResolver } from '../identity/types.js';
import type { PolicyEngine, PolicyEvaluation } from '../policy/types.js';
import type { BaselineStore, ProfileUpdate } from '../baseline/store.js';
import type { IdentityProfile } from '../baseline/profile.js';
import type { Finding } from '../baseline/finding.js';
import { finding } from '../baseline/finding.js';
import { emptyProfile } from '../baseline/profile.js';
import { compileBaselineRules } from '../baseline/config.js';
import { extractFeatures } from '../baseline/features.js';
import type { EventFeatures } from '../baseline/features.js';
import { assessEvent } from '../baseline/assess.js';
import { learnEvent } from '../baseline/learn.js';
import { assessAgainstPeers, blendFindings, CREATED_PREFIX, createdIdentityOf, createdShortlyBefore, learnPeer, maturity, peerGroupOf, peersMature } from '../baseline/peers.js';
import type { FeedbackRecord } from '../baseline/feedback.js';
import { applyFeedback, suppressedCodes } from '../baseline/feedback.js';
import { decisionIdFor } from '../decisions/ids.js';
import type { KnowledgePack, TechniqueHit } from '../knowledge/types.js';
import type { SigmaHit, SigmaRuleSet } from '../sigma/types.js';
import { countTechniqueOnce, isTechniqueFinding, sigmaFindings } from './sigma-findings.js';
import { liveEntry, novelty } from '../baseline/value-map.js';
import { detectSlowAndLow } from '../baseline/detectors/activity.js';
import type { ModelScorer } from './model-port.js';
import { combine } from './combine.js';
import type { CombineInput, Combined } from './combine.js';
import { thresholdsFor } from './thresholds.js';
import type { Thresholds } from './thresholds.js';
import type { Grant, GrantLookup } from '../approvals/grants.js';
import type { Verdict } from '../decisions/decision.js';

export interface DeciderDeps {
  config: WardenConfig;
  resolver: IdentityResolver;
  policy: PolicyEngine;
  /** Loads a batch's profiles; stores them for `decideBatch`. */
  store: Pick<BaselineStore, 'load' | 'apply'>;
  model?: ModelScorer | null;
  /** Operator feedback to apply when its event is met. */
  feedback?: readonly FeedbackRecord[];
  /** Technique knowledge (docs/detections.md); a function when it can be reloaded while running. */
  knowledge?: KnowledgePack | (() => KnowledgePack) | null;
  /** Sigma rules on the original records (docs/sigma.md); a function when they can be reloaded while running. */
  sigma?: SigmaRuleSet | (() => SigmaRuleSet) | null;
  /** Live pipeline: the wall clock for `decidedAt`. Replay leaves it unset (event time). */
  clock?: () => Date;
  /** Approval grants (docs/approvals.md): a granted action is not blocked while its grant lasts. */
  grants?: GrantLookup | null;
}

const NO_HITS: readonly TechniqueHit[] = Object.freeze([]);
const NO_SIGMA: readonly SigmaHit[] = Object.freeze([]);

/** What the baseline stage hands the combine step (see CombineInput). */
type BaselineInput = Pick<CombineInput, 'findings' | 'learning' | 'model' | 'suppressed'> & { learningWeight?: number | undefined; learningDetail?: string | undefined };

/** Where a batch sits in its source: the store keeps one offset watermark per partition. */
export interface BatchPosition {
  /** `<topic>:<partition>` (or any stable name of the source's partition). */
  partition: string;
  /** The source offset of each event, in order (several events may share one record's offset). */
  offsets: readonly string[];
}

export interface DecideOptions {
  /**
   * The baseline store is unreachable: decide on identity, policy and technique knowledge only, mark the decisions
   * `degraded`, and learn nothing. With `pipeline.failMode: closed`, actions an enforce-mode
   * policy rule governs are blocked until the store is back.
   */
  storeUnavailable?: boolean;
}

/** A decided batch and what it taught the baselines, not stored yet. */
export interface DecidedBatch {
  decisions: Decision[];
  /**
   * Profile updates (each with the identity's last offset in the batch) for `BaselineStore.apply`
   * with the batch's partition. The live pipeline applies them once the decisions are published:
   * an event whose decision was lost is then decided again against the profile it was first
   * decided against, not one that has already learned it. Empty when nothing was learned.
   */
  updates: ProfileUpdate[];
}

export interface Decider {
  /** Decides a batch; the learning comes back as data (`updates`), stored by the caller. */
  decide(events: readonly WardenEvent[], position?: BatchPosition, options?: DecideOptions): Promise<DecidedBatch>;
  /** Decides and stores the learning at once (replay, tools). */
  decideBatch(events: readonly WardenEvent[], position?: BatchPosition, options?: DecideOptions): Promise<Decision[]>;
}

/**
 * Points of an event's findings outside its main novelty (the larger of "what" and "where"). A
 * new API call from the usual source at the usual hour has none, so its sightings count as a
 * legitimate context and absorb it; the same call from a new network at 3 a.m. does not.
 */
export function contextPoints(findings: readonly Finding[]): number {
  let what = 0;
  let where = 0;
  let total = 0;
  // Indexed loops here and in slowPoints, which run on every event: for…of allocated an iterator
  // per call (allocation profile of bench/batch-path.ts).
  for (let i = 0; i < findings.length; i++) {
    const f = findings[i]!;
    // Slow-and-low is the sum of earlier findings, not a context of its own: counting it would keep
    // the very values it summed from ever becoming normal.
    if (f.code === 'SLOW_AND_LOW') continue;
    total += f.weight;
    // What the pack says the action is belongs with what was done (the main novelty may be it).
    if (f.family === 'what' || isTechniqueFinding(f)) what += f.weight;
    else if (f.family === 'where') where += f.weight;
  }
  return total - Math.max(what, where);
}

/**
 * The knowledge pack's hits and the Sigma rules' matches as findings. Each tier has a weight (a
 * Sigma level weighs as the tier of its name, `informational` nothing); an action the identity
 * does routinely (its mature baseline has it as normal) weighs `routineFactor` of it, unless the
 * entry is critical or a conditional high one. The strongest hit counts in full, further hits half.
 */
export function techniqueFindings(hits: readonly TechniqueHit[], routine: boolean, k: WardenConfig['knowledge'], sigma: readonly SigmaHit[] = NO_SIGMA): Finding[] {
  const out: Finding[] = sigma.length > 0 ? sigmaFindings(sigma, routine, k) : [];
  let best = out.reduce((b, f, i) => (b < 0 || f.weight > out[b]!.weight ? i : b), -1);
  hits.forEach((h) => {
    // Routine use of an action discounts its plain high, medium and low entries. Never a critical
    // one ("always worth a human"), nor a conditional high one (the dangerous variant of an action:
    // doing PutBucketPolicy daily does not make a policy for `*` routine).
    const routineHit = routine && h.tier !== 'critical' && !(h.conditional === true && h.tier === 'high');
    const weight = k.weights[h.tier] * (routineHit ? k.routineFactor : 1);
    if (weight < 1) return;
    const technique = finding('ATTACK_TECHNIQUE', `${h.technique} ${h.name} (${h.tactic}, ${h.tier}${routineHit ? ', routine for this identity' : ''}): ${h.detail}`, weight, 'signal');
    technique.technique = h.technique;
    technique.tactic = h.tactic;
    technique.entry = h.entry;
    out.push(technique);
    if (best < 0 || weight > out[best]!.weight) best = out.length - 1;
  });
  if (sigma.length > 0) countTechniqueOnce(out, best, sigma);
  return out.map((f, i) => (i === best ? f : { ...f, weight: Math.round(f.weight / 2) }));
}

/**
 * What slow-and-low adds up: what was done, when, and how it failed (and techniques) — not where
 * from (new IPs of churning runners would add up), not volume (the hourly totals are their own
 * accumulation), not other signals (each is reported on its own).
 */
const SLOW_FAMILIES: ReadonlySet<string> = new Set(['what', 'when', 'failures']);

/** A finding worth less than a fifth of the default alert threshold is routine churn for slow-and-low. */
const SLOW_MIN_EVENT_POINTS = 10;

/**
 * The points an event adds to the slow-and-low accumulator (`SLOW_FAMILIES` and techniques), only
 * for a quiet oddity: at least `SLOW_MIN_EVENT_POINTS`, and below `alertAt` (an event
 * that alerts on its own is reported already; slow-and-low is about the ones that do not).
 */
export function slowPoints(findings: readonly Finding[], alertAt: number): number {
  let points = 0;
  for (let i = 0; i < findings.length; i++) {
    const x = findings[i]!;
    if (SLOW_FAMILIES.has(x.family) || isTechniqueFinding(x)) points += x.weight;
  }
  return points >= SLOW_MIN_EVENT_POINTS && points < alertAt ? points : 0;
}

/** How a learning identity's findings were weighed (own baseline by maturity, peers). */
interface LearningBlend {
  strict: boolean;
  maturity: number;
  ownWeight: number;
  usePeers: boolean;
  createdBy: string | undefined;
}

/** What the LEARNING reason says about the blend. */
function learningDetailOf(b: LearningBlend): string {
  return b.strict
    ? `created by ${b.createdBy} shortly before its first action: judged against ${b.usePeers ? 'its peers in full' : 'its own first events only (no mature peers)'}`
    : `learning (${Math.round(b.maturity * 100)}% mature): own findings weigh ×${b.ownWeight.toFixed(2)}${b.usePeers ? `, peers ×${(1 - b.maturity).toFixed(2)}` : ', no mature peers'}`;
}

/**
 * A grant covering the event (at event time) keeps the decision from blocking: the action was
 * approved by people, so it passes, and the pipeline publishes no block record for it. What the
 * baseline alone finds still alerts; the reason `APPROVED` names the grant either way.
 */
export function honourGrant(combined: Combined, grant: Grant | null, evaluation: PolicyEvaluation): Combined {
  if (grant === null) return combined;
  const reasons = [...combined.reasons, { approval: grant.id, code: 'APPROVED', detail: `approval ${grant.id} by ${grant.approvedBy.join(', ')} allows ${grant.actions.join(', ')}${grant.resources ? ` on ${grant.resources.join(', ')}` : ''} until ${grant.expiresAt}`, weight: 0 }];
  const cap = (v: Verdict | undefined): Verdict | undefined => {
    if (v !== 'block') return v;
    return combined.anomalyVerdict !== 'allow' || evaluation.verdict === 'alert' ? 'alert' : 'allow';
  };
  const verdict = cap(combined.verdict) as Verdict;
  const wouldBe = cap(combined.wouldBe);
  const out: Combined = { score: combined.score, reasons, verdict, anomalyVerdict: combined.anomalyVerdict };
  if (wouldBe !== undefined && wouldBe !== verdict) out.wouldBe = wouldBe;
  return out;
}

/** The decision with `degraded: true` in its sorted place (between `decisionId` and `eventId`). */
function markDegraded(d: Decision): Decision {
  const { action, decidedAt, decisionId, ...rest } = d;
  return { action, decidedAt, decisionId, degraded: true, ...rest };
}

export function createDecider(deps: DeciderDeps): Decider {
  const { config, resolver, policy, store } = deps;
  const knowledgeOf: () => KnowledgePack | null = typeof deps.knowledge === 'function' ? deps.knowledge : () => (deps.knowledge as KnowledgePack | null | undefined) ?? null;
  const sigmaOf: () => SigmaRuleSet | null = typeof deps.sigma === 'function' ? deps.sigma : () => (deps.sigma as SigmaRuleSet | null | undefined) ?? null;
  const tierFactor = config.baseline.sensitivityFactors;
  const model = deps.model ?? null;
  const rules = compileBaselineRules(config.baseline);
  const feedback = new Map<string, FeedbackRecord>();
  for (const r of deps.feedback ?? []) feedback.set(r.eventId, r);
  const sketchWidth = config.baseline.sequenceSketchWidth;
  // Thresholds depend only on (class, environment) unless a policy overrides them: compute once.
  // By class, then environment (null and '' alike: neither names one).
  const thresholdCache = new Map<string, Map<string, Thresholds>>();
  const cachedThresholds = (cls: string | null, env: string | null): Thresholds => {
    let byEnv = thresholdCache.get(cls ?? '');
    if (!byEnv) {
      byEnv = new Map();
      thresholdCache.set(cls ?? '', byEnv);
    }
    let t = byEnv.get(env ?? '');
    if (!t) {
      t = thresholdsFor(config.scoring, cls, env);
      byEnv.set(env ?? '', t);
    }
    return t;
  };

  // Keys in sorted order, so that the canonical JSON the signer needs is one JSON.stringify.
  function decision(event: WardenEvent, identity: IdentityResolution, evaluation: PolicyEvaluation, combined: Combined, modelVersion: string | null, decidedAt: string | null, degraded = false): Decision {
    const out: Decision = {
      action: event.action,
      decidedAt: decidedAt ?? event.time,
      decisionId: decisionIdFor(event.id, policy.version, modelVersion),
      eventId: event.id,
      eventTime: event.time,
      identity: identity.identityId,
      mode: config.scoring.mode,
      model: modelVersion,
      owner: identity.owner,
      policy: { id: evaluation.policyId, version: policy.version },
      reasons: combined.reasons,
      resource: event.resource ?? null,
      score: combined.score,
      verdict: combined.verdict,
    };
    if (combined.wouldBe !== undefined) out.wouldBe = combined.wouldBe;
    return degraded ? markDegraded(out) : out;
  }

  /** The combine step with the configured weights and the thresholds for this event. */
  function combineFor(event: WardenEvent, identity: IdentityResolution, evaluation: PolicyEvaluation, baseline: BaselineInput): Combined {
    const env = event.environment ?? identity.environment;
    const input: CombineInput = {
      identity,
      policy: evaluation,
      findings: baseline.findings,
      learning: baseline.learning,
      learningWeight: baseline.learningWeight ?? config.baseline.learningWeight,
      familyCap: config.scoring.familyCap,
      model: baseline.model,
      modelWeight: config.scoring.modelWeight,
      suppressed: baseline.suppressed,
      thresholds: evaluation.thresholds ? thresholdsFor(config.scoring, identity.class, env, evaluation.thresholds) : cachedThresholds(identity.class, env),
      mode: config.scoring.mode,
    };
    if (baseline.learningDetail !== undefined) input.learningDetail = baseline.learningDetail;
    return combine(input);
  }

  /** Identity, policy and technique knowledge only, for when the store is down (see DecideOptions). */
  function decideWithoutStore(event: WardenEvent, decidedAt: string | null, knowledge: KnowledgePack | null, sigma: SigmaRuleSet | null): Decision {
    const identity = resolver.resolve(event);
    const evaluation = policy.evaluate(event, identity);
    // Technique knowledge needs no baseline: it still decides while the store is away (nothing
    // can say the action is routine for the identity, so no routine discount).
    const hits = knowledge ? knowledge.classify(event).hits : NO_HITS;
    const matched = sigma ? sigma.match(event) : NO_SIGMA;
    const findings = hits.length > 0 || matched.length > 0 ? techniqueFindings(hits, false, config.knowledge, matched) : [];
    const grant = grantOf(event, identity.identityId);
    const combined = honourGrant(combineFor(event, identity, evaluation, { findings, learning: false, model: null, suppressed: new Set() }), grant, evaluation);
    const closed = config.pipeline.failMode === 'closed' && evaluation.protected && grant === null;
    const reasons = [
      ...combined.reasons,
      {
        code: 'STORE_UNAVAILABLE',
        detail: closed ? 'baseline store unavailable; failMode closed blocks policy-protected actions' : 'baseline store unavailable; decided on identity, policy and technique knowledge only',
        weight: 0,
      },
    ];
    const verdict = closed && config.scoring.mode === 'enforce' ? 'block' : combined.verdict;
    const wouldBe = closed && config.scoring.mode === 'shadow' ? 'block' : combined.wouldBe;
    return decision(event, identity, evaluation, { ...combined, verdict, reasons, ...(wouldBe ? { wouldBe } : {}) }, null, decidedAt, true);
  }

  const grantOf = (event: WardenEvent, identityId: string): Grant | null => deps.grants?.grantFor(identityId, event.identity.tokenId, event.action, event.resource, Date.parse(event.time)) ?? null;

  async function decide(events: readonly WardenEvent[], position?: BatchPosition, options?: DecideOptions): Promise<DecidedBatch> {
    // One wall-clock reading per batch: the batch is decided at one moment.
    const decidedAt = deps.clock ? deps.clock().toISOString() : null;
    if (options?.storeUnavailable) {
      const knowledge = knowledgeOf();
      const sigma = sigmaOf();
      return { decisions: events.map((e) => decideWithoutStore(e, decidedAt, knowledge, sigma)), updates: [] };
    }
    const partition = position?.partition ?? null;
    const resolutions = events.map((e) => resolver.resolve(e));
    const scores = model ? await model.scoreBatch(events, resolutions) : null;
    const groups = resolutions.map((r, i) => (config.baseline.peers ? peerGroupOf(r, events[i] as WardenEvent) : null));
    const created = events.map((e) => createdIdentityOf(e));
    // Each identity, peer group and creation record once, in order of first mention: a batch has
    // far fewer of them than events.
    // (Indexed loops: for…of over these per-event arrays allocated an iterator result per event.)
    const wanted = new Set<string>();
    for (let i = 0; i < events.length; i++) wanted.add(resolutions[i]!.identityId);
    for (let i = 0; i < events.length; i++) {
      const g = groups[i];
      if (g != null) wanted.add(g);
    }
    for (let i = 0; i < events.length; i++) {
      const c = created[i];
      if (c != null) wanted.add(CREATED_PREFIX + c);
    }
    const loaded = await store.load([...wanted], partition);
    // Identities met for the first time: did another identity create them (see CREATED_PREFIX)?
    const firstMet = [...new Set(resolutions.map((r) => r.identityId))].filter((id) => !loaded.get(id)?.profile && !loaded.has(CREATED_PREFIX + id));
    if (firstMet.length > 0) for (const [k, v] of await store.load(firstMet.map((id) => CREATED_PREFIX + id), partition)) loaded.set(k, v);
    const profiles = new Map<string, IdentityProfile>();
    const lastOffset = new Map<string, string | null>();
    /** What each peer group learned in this batch, member and features, to replay on a newer copy (ProfileUpdate.replay). */
    const peerLearning = new Map<string, Array<{ member: string; f: EventFeatures }>>();
    const decisions: Decision[] = [];
    const knowledge = knowledgeOf();
    const sigma = sigmaOf();
    const profileOf = (id: string): IdentityProfile => {
      let p = profiles.get(id);
      if (!p) {
        p = loaded.get(id)?.profile ?? emptyProfile(id, sketchWidth);
        profiles.set(id, p);
      }
      return p;
    };
    /** The creation record of a never-seen identity, copied into its own profile before its first event. */
    const adoptCreation = (p: IdentityProfile): void => {
      if (p.events !== 0 || p.createdBy !== undefined || p.identity.startsWith(CREATED_PREFIX)) return;
      const record = profiles.get(CREATED_PREFIX + p.identity) ?? loaded.get(CREATED_PREFIX + p.identity)?.profile;
      if (record?.createdBy === undefined || record.createdAt === undefined) return;
      p.createdBy = record.createdBy;
      p.createdAt = record.createdAt;
    };
    /**
     * Not yet learned from this partition position (a redelivered event teaches nothing twice):
     * `offsetAfter`, with each watermark parsed once per batch.
     */
    const watermarks = new Map<string, bigint | null>();
    let offsetText: string | null = null;
    let offsetValue = 0n;
    const fresh = (id: string, offset: string | null): boolean => {
      if (offset === null) return true;
      let watermark = watermarks.get(id);
      if (watermark === undefined) {
        const stored = loaded.get(id)?.watermark ?? null;
        watermark = stored === null ? null : BigInt(stored);
        watermarks.set(id, watermark);
      }
      if (watermark === null) return true;
      // The identity and its peer group ask about the same offset one after the other.
      if (offset !== offsetText) {
        offsetValue = BigInt(offset);
        offsetText = offset;
      }
      return offsetValue > watermark;
    };

    for (let i = 0; i < events.length; i++) {
      const event = events[i] as WardenEvent;
      const identity = resolutions[i]!;
      const id = identity.identityId;
      const profile = profileOf(id);
      adoptCreation(profile);
      const group = groups[i] ?? null;
      const peer = group !== null ? profileOf(group) : null;
      const f = extractFeatures(event, config.baseline.readOnlyNoveltyFactor);
      const known = knowledge ? knowledge.classify(event) : null;
      const hits = known ? known.hits : NO_HITS;
      if (known?.sensitivity) f.sensitivity = tierFactor[known.sensitivity.tier];
      const evaluation = policy.evaluate(event, identity);
      const assessment = assessEvent(profile, event, f, rules);
      let findings = assessment.findings;
      let blend: LearningBlend | null = null;
      if (assessment.learning) {
        // Until its own baseline is mature the identity is also judged against its peers, blended
        // by maturity; one created shortly before it acted is judged by its peers alone, in full.
        const strict = createdShortlyBefore(profile);
        const m = strict ? 0 : maturity(profile, f.t, rules);
        const ownWeight = strict ? 1 : config.baseline.learningWeight + (1 - config.baseline.learningWeight) * m;
        const usePeers = group !== null && peersMature(peer, f.t, rules, id);
        const peerFindings = usePeers ? assessAgainstPeers(peer, profile, f, rules, group) : [];
        findings = blendFindings(findings, ownWeight, peerFindings, 1 - m);
        blend = { strict, maturity: m, ownWeight, usePeers, createdBy: profile.createdBy };
      }
      const matched = sigma ? sigma.match(event) : NO_SIGMA;
      if (hits.length > 0 || matched.length > 0) {
        const routine = !assessment.learning && novelty(liveEntry(profile.maps.action, event.action, f.t, rules), rules) === 0;
        findings = [...findings, ...techniqueFindings(hits, routine, config.knowledge, matched)];
      }
      // Slow and low: this event's points join the identity's decayed sum of recent risk.
      const points = slowPoints(findings, config.scoring.alertAt);
      const slowReported = !assessment.learning && detectSlowAndLow(profile, f.t, points, rules, findings);
      const combined = honourGrant(
        combineFor(event, identity, evaluation, {
          findings,
          learning: assessment.learning,
          model: scores?.[i] ?? null,
          suppressed: suppressedCodes(profile, f.t),
          // The blend weighed the findings already; its detail is only read when there are findings.
          learningWeight: blend !== null ? 1 : undefined,
          learningDetail: blend !== null && findings.length > 0 ? learningDetailOf(blend) : undefined,
        }),
        grantOf(event, id),
        evaluation,
      );

      const offset = position?.offsets[i] ?? null;
      // A redelivered event is decided again with the same id but never folded into the profile a
      // second time. The pipeline stores the learning only after publishing, so an event whose
      // decision was lost meets the profile it first met; one whose decision was published and
      // learned may now score lower, and consumers keep the first decision of an id.
      const legit = assessment.learning || contextPoints(findings) < config.baseline.absorbBelowScore;
      if (fresh(id, offset)) {
        learnEvent(profile, event, f, rules, legit, { totals: assessment.totals, points, slowReported });
        const fb = feedback.size > 0 ? feedback.get(event.id) : undefined;
        if (fb) applyFeedback(profile, f, rules, fb);
        lastOffset.set(id, offset);
      }
      // Peers learn only what their members do from an ordinary context.
      if (peer !== null && group !== null && legit && combined.anomalyVerdict === 'allow' && fresh(group, offset)) {
        learnPeer(peer, id, f, rules);
        lastOffset.set(group, offset);
        let learned = peerLearning.get(group);
        if (learned === undefined) {
          learned = [];
          peerLearning.set(group, learned);
        }
        learned.push({ member: id, f });
      }
      const made = created[i];
      if (made != null && made !== id) {
        // The creator writes a creation record, never the new identity's own profile.
        const record = profileOf(CREATED_PREFIX + made);
        if (record.createdBy === undefined) {
          record.createdBy = id;
          record.createdAt = f.t;
          lastOffset.set(CREATED_PREFIX + made, null);
        }
      }

      decisions.push(decision(event, identity, evaluation, combined, model?.version ?? null, decidedAt));
    }

    const updates: ProfileUpdate[] = [];
    for (const [identity, offset] of lastOffset) {
      const profile = profiles.get(identity);
      if (!profile) continue;
      const learned = peerLearning.get(identity);
      if (learned === undefined) updates.push({ identity, profile, offset });
      else updates.push({ identity, profile, offset, replay: (other) => learned.forEach((l) => learnPeer(other, l.member, l.f, rules)) });
    }
    return { decisions, updates };
  }

  return {
    decide,
    async decideBatch(events, position, options) {
      const decided = await decide(events, position, options);
      if (decided.updates.length > 0) await store.apply(decided.updates, position?.partition ?? null);
      return decided.decisions;
    },
  };
}
