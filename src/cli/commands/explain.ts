/** `warden explain --event JSON`: which rules fired for one event and why, in plain words. */
import { readFileSync } from 'node:fs';
import type { Command } from 'commander';
import { loadPolicyDir } from '../../config/policy-dir.js';
import { WardenError } from '../../errors.js';
import type { StageDecision } from '../../policy/decide.js';
import { toEvent } from '../support/ndjson.js';
import { loadInventory, makeDeciderFactory, stageConfig, withStageFlags } from '../support/stage-context.js';
import type { StageFlags } from '../support/stage-context.js';

interface ExplainFlags extends StageFlags {
  event: string;
  policies?: string;
  json?: boolean;
}

function parseEventArg(arg: string): unknown {
  const text = arg.startsWith('@') ? readFileSync(arg.slice(1), 'utf8') : arg;
  try {
    return JSON.parse(text);
  } catch (cause) {
    throw new WardenError('WARDEN_USAGE', `--event must be a JSON WardenEvent or @file: ${(cause as Error).message}`, { cause });
  }
}

export function renderExplanation(d: StageDecision): string {
  const id = d.identity;
  const out: string[] = [];
  const record = id.record;
  out.push(
    record
      ? `identity  ${id.identityId}: owner ${id.owner}${record.contact ? ` (${record.contact})` : ''}, matched inventory entry ${record.id}` +
          `${id.class ? `, class ${id.class}` : ''}${id.criticality ? `, criticality ${id.criticality}` : ''}`
      : `identity  ${id.identityId}: NOT IN THE INVENTORY${id.owner ? ` (token owned by ${id.owner})` : ''}`,
  );
  for (const f of id.findings) out.push(`  finding ${f.code} -> ${f.verdict}${f.opened ? ' (opens a finding)' : ''}: ${f.detail}`);
  if (d.matched.length === 0) out.push('policy    no rule fired');
  else {
    out.push('policy    rules that fired:');
    for (const m of d.matched) out.push(`  ${m.policyId}/${m.ruleId} [${m.mode}] ${m.effect}`);
  }
  for (const r of d.evaluation.reasons) out.push(`  ${r.code} (+${r.weight}): ${r.detail}`);
  if (d.evaluation.thresholds) out.push(`  per-identity thresholds: ${JSON.stringify(d.evaluation.thresholds)}`);
  if (d.evaluation.protected) out.push('  an enforce-mode rule governs this action (protected when failMode is closed)');
  out.push(`verdict   ${d.verdict}${d.wouldBe ? ` (shadow rules would ${d.wouldBe})` : ''}   policy ${d.policy.id ?? '-'} @ ${d.policy.version}`);
  return out.join('\n');
}

export function registerExplainCommand(program: Command): void {
  withStageFlags(
    program
      .command('explain')
      .description('explain the decision for one event: identity, findings, rules that fired and why')
      .requiredOption('--event <json|@file>', 'the event, as JSON text or @path/to/event.json'),
  )
    .option('--policies <dir>', 'policy folder (default: policy.dir from the config)')
    .option('--json', 'print the decision as JSON')
    .action((flags: ExplainFlags) => {
      const event = toEvent(parseEventArg(flags.event));
      if (typeof event === 'string') throw new WardenError('WARDEN_USAGE', `--event is not a usable event: ${event}`);
      const { config, inventoryFile } = stageConfig(flags);
      const decide = makeDeciderFactory(config, loadInventory(inventoryFile), loadPolicyDir(flags.policies ?? config.policy.dir))();
      const decision = decide(event);
      console.log(flags.json ? JSON.stringify(decision, null, 2) : renderExplanation(decision));
    });
}
