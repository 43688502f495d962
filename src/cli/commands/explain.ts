/**
 * `warden explain`: the decision replay and run make for one event, stage by stage — identity,
 * policy, technique knowledge, baseline, model, thresholds — with the verdict and risk. It decides
 * with the one decider (src/scoring/decider.ts) and never writes a profile.
 */
import { existsSync } from 'node:fs';
import type { Command } from 'commander';
import { loadPolicyDir } from '../../policy/files.js';
import type { WardenConfig } from '../../config/schema.js';
import { buildPolicySet } from '../../policy/policy-set.js';
import { WardenError } from '../../errors.js';
import type { Decision, Reason } from '../../decisions/decision.js';
import { SIGMA_PREFIX } from '../../decisions/reason-codes.js';
import type { WardenEvent } from '../../events/event.js';
import { createNormalizer } from '../../events/index.js';
import type { Reject } from '../../events/index.js';
import type { FeedbackRecord } from '../../baseline/feedback.js';
import { MemoryBaselineStore } from '../../baseline/store-memory.js';
import type { BaselineStore } from '../../baseline/store.js';
import type { IdentityProfile } from '../../baseline/profile.js';
import { compileBaselineRules, inLearning } from '../../baseline/config.js';
import { readEvents } from '../../pipeline/read-events.js';
import { thresholdsFor } from '../../scoring/thresholds.js';
import { readJsonLines } from '../support/json-lines.js';
import { openStore, parseStoreKind } from '../stores.js';
import { OverlayBaselineStore } from '../support/overlay-store.js';
import { createTracedDecider, deciderSetup, loadInventory, openModel, readProfilesFile, withDeciderFlags } from '../support/decider-context.js';
import type { DeciderFlags, StageTrace } from '../support/decider-context.js';

interface ExplainFlags extends DeciderFlags {
  event?: string;
  input?: string;
  eventId?: string[];
  format: string;
  store: string;
  keyPrefix?: string;
  profiles?: string;
  policies?: string | false;
  feedback?: string;
  json?: boolean;
}

/** Everything `renderExplanation` shows about one decided event. */
export interface Explained {
  event: WardenEvent;
  decision: Decision;
  trace: StageTrace;
  /** The identity's profile before this event, or null when it had none yet. */
  profile: IdentityProfile | null;
  config: WardenConfig;
  policiesOff: boolean;
  knowledge: { version: string; size: number };
  /** The Sigma rules in force (docs/sigma.md). */
  sigma?: { version: string; rules: number };
  model: string | null;
  /** Where the profiles came from, in words. */
  profileSource: string;
}

/** Events per decision batch while replaying up to the explained event (decisions do not depend on it). */
const REPLAY_BATCH = 5000;

const fmtWeight = (w: number): string => (w > 0 ? `+${w}` : `${w}`);
const reasonLine = (r: Reason): string => `  ${r.code} (${fmtWeight(r.weight)}): ${r.detail}`;
const iso = (ms: number): string => new Date(ms).toISOString();

export function renderExplanation(x: Explained): string {
  const { decision: d, event, trace, config } = x;
  const id = trace.identity;
  const evaluation = trace.evaluation;
  const out: string[] = [];
  const taken = new Set<Reason>();
  const pick = (test: (r: Reason) => boolean): Reason[] => {
    const found = d.reasons.filter((r) => !taken.has(r) && test(r));
    for (const r of found) taken.add(r);
    return found;
  };

  out.push(`event     ${event.id}: ${event.action}${event.resource ? ` on ${event.resource}` : ''} at ${event.time}`);

  // Identity: the inventory entry and the clarity findings.
  const identityCodes = new Set(id?.findings.map((f) => f.code) ?? []);
  const record = id?.record ?? null;
  out.push(
    record
      ? `identity  ${d.identity}: owner ${d.owner}${record.contact ? ` (${record.contact})` : ''}, inventory entry ${record.id}` +
          `${id?.class ? `, class ${id.class}` : ''}${id?.environment ? `, environment ${id.environment}` : ''}${id?.criticality ? `, criticality ${id.criticality}` : ''}`
      : `identity  ${d.identity}: NOT IN THE INVENTORY${d.owner ? ` (token owned by ${d.owner})` : ''}`,
  );
  const identityReasons = pick((r) => identityCodes.has(r.code));
  if (identityReasons.length === 0) out.push('  no clarity finding');
  for (const r of identityReasons) {
    const f = id?.findings.find((x) => x.code === r.code);
    out.push(`${reasonLine(r)}${f?.opened ? ` (opens a finding: demands ${f.verdict})` : ''}`);
  }

  // Policy: the rules that fired and what they demand.
  const policyCodes = new Set(evaluation?.reasons.map((r) => r.code) ?? []);
  if (x.policiesOff) out.push('policy    off (--no-policies): no rule was evaluated');
  else if (!evaluation || evaluation.matched.length === 0) out.push(`policy    no rule fired (policies @ ${d.policy.version})`);
  else {
    out.push(`policy    rules that fired (policies @ ${d.policy.version}):`);
    for (const m of evaluation.matched) out.push(`  ${m.policyId}/${m.ruleId} [${m.mode}] ${m.effect}`);
  }
  for (const r of pick((r) => policyCodes.has(r.code))) out.push(reasonLine(r));
  if (evaluation && !x.policiesOff) {
    const demands = [
      evaluation.verdict ? `demands ${evaluation.verdict}` : null,
      evaluation.shadowVerdict ? `shadow rules would demand ${evaluation.shadowVerdict}` : null,
      evaluation.excepted ? 'an exception allows the action (anomaly scoring may still alert, never block)' : null,
      evaluation.protected ? `an enforce-mode rule governs the action (failMode ${config.pipeline.failMode}${config.pipeline.failMode === 'closed' ? ': blocked while the store is down' : ''})` : null,
    ].filter((s): s is string => s !== null);
    if (demands.length > 0) out.push(`  ${demands.join('; ')}`);
  }

  // Technique knowledge.
  const techniques = pick((r) => r.code === 'ATTACK_TECHNIQUE');
  const matched = Math.max(trace.hits.length, techniques.length);
  const weighs = techniques.length === 0 ? (matched > 0 ? ', none weighs here' : '') : techniques.length < matched ? `, ${techniques.length} weigh${techniques.length === 1 ? 's' : ''}` : '';
  out.push(`knowledge ${matched === 0 ? 'no technique matched' : `${matched} technique${matched > 1 ? 's' : ''} matched${weighs}`} (pack ${x.knowledge.version}, ${x.knowledge.size} entries)`);
  for (const r of techniques) out.push(reasonLine(r));
  const unweighed = trace.hits.filter((h) => !techniques.some((r) => r.entry === h.entry));
  for (const h of unweighed) {
    const tierWeight = config.knowledge.weights[h.tier];
    const why = tierWeight < 1 ? `the ${h.tier} tier weighs ${tierWeight}` : `routine for this identity: ${tierWeight} × ${config.knowledge.routineFactor}`;
    out.push(`  ${h.technique} ${h.name} (${h.tier}): matched but weighs under 1 point here (${why})`);
  }

  // Sigma rules.
  if (x.sigma !== undefined && x.sigma.rules > 0) {
    const sigmaReasons = pick((r) => r.code.startsWith(SIGMA_PREFIX));
    const sigmaHits = trace.sigma ?? [];
    out.push(`sigma     ${sigmaHits.length === 0 ? 'no rule matched' : `${sigmaHits.length} rule${sigmaHits.length > 1 ? 's' : ''} matched`} (${x.sigma.rules} rules, version ${x.sigma.version})`);
    // Every match is a reason (weight 0 when its level weighs nothing or it was counted once with another hit).
    for (const r of sigmaReasons) out.push(reasonLine(r));
  }

  // Baseline.
  const model = pick((r) => r.code === 'MODEL_ANOMALY');
  const degraded = pick((r) => r.code === 'STORE_UNAVAILABLE');
  const learningReason = d.reasons.find((r) => r.code === 'LEARNING');
  const baseline = pick(() => true);
  const p = x.profile;
  const rules = compileBaselineRules(config.baseline);
  const t = Date.parse(event.time);
  if (degraded.length > 0) out.push('baseline  not consulted: the store was unavailable');
  else if (p === null || p.events === 0) {
    out.push(`baseline  no baseline for this identity yet — learning (${x.profileSource}): this is its first event, nothing of its own to compare it with`);
  } else {
    const learning = inLearning(p.events, p.firstSeen, t, rules);
    const status = learning
      ? `learning (needs ${rules.config.learningEvents} events and ${rules.config.learningDays} days)`
      : 'mature';
    out.push(`baseline  ${p.events} events from ${iso(p.firstSeen)} to ${iso(p.lastSeen)}, ${status} (${x.profileSource})`);
  }
  if (learningReason) out.push(`  how findings weigh: ${learningReason.detail}`);
  const findings = baseline.filter((r) => r !== learningReason);
  if (findings.length === 0 && degraded.length === 0) out.push('  no finding: nothing unusual for this identity');
  for (const r of findings) out.push(reasonLine(r));
  for (const r of degraded) out.push(reasonLine(r));

  // Model.
  if (x.model === null) out.push(`model     off (model.enabled: ${String(config.model.enabled)})`);
  else {
    out.push(`model     on, version ${x.model}${model.length === 0 ? ': nothing unusual for the class' : ''}`);
    for (const r of model) out.push(reasonLine(r));
  }

  // Thresholds and verdict.
  const env = event.environment ?? id?.environment ?? null;
  const th = thresholdsFor(config.scoring, id?.class ?? null, env, evaluation?.thresholds);
  const from = evaluation?.thresholds ? `policy ${evaluation.policyId ?? '?'}` : id?.class && config.scoring.classes[id.class] ? `class ${id.class}` : env && config.scoring.environments[env] ? `environment ${env}` : 'scoring defaults';
  out.push(`scoring   alert at ${th.alertAt}, block at ${th.blockAt} (${from}); mode ${d.mode}, failMode ${config.pipeline.failMode}`);
  out.push(
    `verdict   ${d.verdict}   risk ${d.score}/100${d.wouldBe ? `   (would be ${d.wouldBe}${d.mode === 'shadow' ? ' in enforce mode' : ' by shadow rules'})` : ''}` +
      `${d.degraded ? '   DEGRADED' : ''}   decision ${d.decisionId}`,
  );
  return out.join('\n');
}

function collectIds(value: string, previous: string[] | undefined): string[] {
  return [...(previous ?? []), ...value.split(',').map((v) => v.trim()).filter((v) => v !== '')];
}

function explainUsage(message: string): WardenError {
  return new WardenError('WARDEN_USAGE', message);
}

/** The events of `--event`: inline JSON text or @file, in any supported format. */
async function eventsOfArg(arg: string, format: string, config: WardenConfig, onReject: (r: Reject) => void): Promise<WardenEvent[]> {
  const events: WardenEvent[] = [];
  if (arg.startsWith('@')) {
    const file = arg.slice(1);
    if (file === '' || !existsSync(file)) throw new WardenError('WARDEN_INPUT_NOT_FOUND', `--event ${arg}: file not found: ${file}`);
    for await (const e of readEvents(file, format, config.events, onReject)) events.push(e);
    return events;
  }
  const normalize = createNormalizer({ format, events: config.events });
  const result = normalize(arg, {});
  for (const r of result.rejects) onReject(r);
  return result.events;
}

export function registerExplainCommand(program: Command): void {
  withDeciderFlags(
    program
      .command('explain')
      .description('explain the decision replay and run make for an event: every stage (identity, policy, knowledge, baseline, model, thresholds), verdict and risk')
      .option('--event <json|@file>', 'the audit record: JSON text or @path (any supported format, e.g. a raw CloudTrail record)')
      .option('--input <file>', 'audit records (as for replay): replays them up to --event-id and explains that event, exactly as replay decides it')
      .option('--event-id <id>', 'the event to explain (required with --input; with --event, picks among the record\'s events); repeat or separate with commas for several', collectIds)
      .option('--format <format>', 'input format: auto (per record), cloudtrail, k8s, github, gcp, pgaudit, warden or a mapping name', 'auto'),
  )
    .option('--profiles <file>', 'baseline profiles written by `warden replay --profiles-out` (the profiles at the end of that replay)')
    .option('--store <kind>', 'profiles from: memory (none, or --profiles) or redis', 'memory')
    .option('--key-prefix <prefix>', 'Redis key prefix of the profiles (default: redis.keyPrefix, the live pipeline\'s; replays use <prefix>:replay)')
    .option('--policies <dir>', 'policy folder (default: policy.dir of the config)')
    .option('--no-policies', 'decide without policies, like replay --no-policies')
    .option('--feedback <file>', 'operator feedback file, as given to replay')
    .option('--json', 'print the decision as replay writes it (one JSON line per explained event)')
    .addHelpText(
      'after',
      `
Explain never writes a profile: what it learns while replaying stays in memory.
Faithful mode: --input FILE --event-id ID replays FILE from the profiles given (none by default,
as replay does) up to the event and explains it: the verdict, risk and reasons replay gives it.
With --event, the event is decided against the profiles as they are now: with --profiles, the
profiles at the end of the replay that wrote them (so not necessarily the decision replay made
when it met the event); with --store redis, the live profiles; by default, no profile at all.`,
    )
    .action(async (flags: ExplainFlags) => {
      if ((flags.event === undefined) === (flags.input === undefined)) throw explainUsage('give the event with --event <json|@file>, or --input FILE --event-id ID (one of the two)');
      if (flags.input !== undefined && flags.eventId === undefined) throw explainUsage('--input needs --event-id: the id of the event to explain (as in replay\'s decisions, eventId)');
      const storeKind = parseStoreKind(flags.store);
      if (flags.profiles !== undefined && storeKind === 'redis') throw explainUsage('--profiles and --store redis both name where profiles come from: give one');
      const { config, inventoryFile, knowledge, sigma } = deciderSetup(flags);
      createNormalizer({ format: flags.format, events: config.events }); // refuse an unknown --format first
      const inventory = loadInventory(inventoryFile);
      const policies = flags.policies === false ? buildPolicySet([]) : loadPolicyDir(flags.policies ?? config.policy.dir);
      const feedback = flags.feedback ? await readJsonLines<FeedbackRecord>(flags.feedback) : [];
      const rejects: Reject[] = [];
      const onReject = (r: Reject): void => void rejects.push(r);

      let base: BaselineStore | null = null;
      let profileSource = 'no profiles given (--profiles FILE or --store redis)';
      if (flags.profiles !== undefined) {
        const file = new MemoryBaselineStore({ copies: true });
        for (const p of await readProfilesFile(flags.profiles)) await file.put(p);
        base = file;
        profileSource = `profiles from ${flags.profiles}`;
      } else if (storeKind === 'redis') {
        const prefix = flags.keyPrefix ?? config.redis.keyPrefix;
        base = openStore('redis', config, prefix);
        profileSource = `profiles from Redis, prefix ${prefix}`;
      }
      if (flags.input !== undefined && flags.profiles === undefined && storeKind === 'memory') profileSource = `replayed from ${flags.input}`;
      else if (flags.input !== undefined) profileSource += `, then ${flags.input} replayed`;
      const store = new OverlayBaselineStore(base, true);
      const model = await openModel(config);
      const decider = createTracedDecider({ config, inventory, policies, knowledge, sigma, store, model: model.scorer, feedback });
      const explained: Explained[] = [];
      const explain = async (event: WardenEvent): Promise<void> => {
        store.snapshotNextLoad();
        // Learning goes to the in-memory overlay only: later events of the same record see it, as in replay.
        const decision = (await decider.decideBatch([event]))[0]!;
        explained.push({
          event,
          decision,
          trace: decider.trace(event) ?? { hits: [] },
          profile: store.snapshotOf(decision.identity),
          config,
          policiesOff: flags.policies === false,
          knowledge: { version: knowledge.version, size: knowledge.size },
          sigma: { version: sigma.version, rules: sigma.rules.length },
          model: model.version,
          profileSource,
        });
      };
      try {
        if (flags.event !== undefined) {
          const events = await eventsOfArg(flags.event, flags.format, config, onReject);
          const ids = flags.eventId === undefined ? null : new Set(flags.eventId);
          const wanted = ids === null ? events : events.filter((e) => ids.has(e.id));
          if (wanted.length === 0) {
            const why = rejects.length > 0 ? `: ${rejects.map((r) => `${r.reason}: ${r.message}`).join('; ')}` : ids !== null ? `: no event with id ${[...ids].join(', ')} (ids: ${events.map((e) => e.id).join(', ')})` : '';
            throw explainUsage(`--event is not a usable event${why}`);
          }
          for (const e of events) {
            if (wanted.includes(e)) await explain(e);
            else await decider.decideBatch([e]);
          }
        } else {
          // Replay in order up to each wanted event (its first occurrence), explain it, go on to the next.
          const pending = new Set(flags.eventId);
          let batch: WardenEvent[] = [];
          let read = 0;
          for await (const e of readEvents(flags.input!, flags.format, config.events, onReject)) {
            read++;
            if (pending.delete(e.id)) {
              if (batch.length > 0) await decider.decideBatch(batch);
              batch = [];
              await explain(e);
              if (pending.size === 0) break;
              continue;
            }
            batch.push(e);
            if (batch.length >= REPLAY_BATCH) {
              await decider.decideBatch(batch);
              batch = [];
            }
          }
          if (pending.size > 0) throw explainUsage(`no event with id ${[...pending].join(', ')} in ${flags.input} (${read} events read${rejects.length > 0 ? `, ${rejects.length} records rejected` : ''})`);
        }
      } finally {
        await store.close();
        await model.close();
      }
      if (flags.json) {
        for (const x of explained) console.log(JSON.stringify(x.decision));
      } else {
        console.log(explained.map(renderExplanation).join('\n\n'));
      }
    });
}
