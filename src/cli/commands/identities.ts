/**
 * `warden identities report --input FILE`: owned, unowned, stale identities and shared tokens.
 * `warden identities init --input FILE --out FILE`: an inventory drafted from what the logs show.
 */
import { existsSync, writeFileSync } from 'node:fs';
import type { Command } from 'commander';
import { WardenError } from '../../errors.js';
import { createInventoryDrafter, renderDraft } from '../../identity/init.js';
import type { Inventory } from '../../identity/inventory.js';
import { createIdentityReportBuilder } from '../../identity/report.js';
import type { IdentityReport } from '../../identity/report.js';
import { readEvents } from '../support/event-input.js';
import { loadInventory, stageConfig, withStageFlags } from '../support/stage-context.js';
import type { StageFlags } from '../support/stage-context.js';

interface ReportFlags extends StageFlags {
  input: string;
  format: string;
  json?: boolean;
  failOnUnowned?: boolean;
}

interface InitFlags {
  input: string;
  format: string;
  out: string;
  force?: boolean;
  groupMin: string;
  skipKnown?: string;
}

function render(r: IdentityReport, inventory: Inventory): string {
  const out: string[] = [`inventory ${inventory.file} (${inventory.records.length} entries)`, `${r.events} events, ${r.owned.length + r.unowned.length} identities`];
  out.push(`\nowned (${r.owned.length})`);
  for (const s of r.owned) out.push(`  ${s.id}  owner ${s.owner}${s.verified ? '' : ' (unverified)'}  events ${s.events}  last ${s.lastSeen}${s.matchedBy !== s.id ? `  via ${s.matchedBy}` : ''}`);
  out.push(`\nunowned (${r.unowned.length})`);
  for (const s of r.unowned) out.push(`  ${s.id}  events ${s.events}  ${s.firstSeen} .. ${s.lastSeen}${s.tokens.length ? `  tokens ${s.tokens.join(', ')}` : ''}`);
  out.push(`\nstale: declared but silent (${r.stale.length})`);
  for (const s of r.stale) out.push(`  ${s.id}  owner ${s.owner}`);
  out.push(`\nshared tokens (${r.sharedTokens.length})`);
  for (const t of r.sharedTokens) out.push(`  ${t.token}  used by ${t.usedBy.join(', ') || '-'}  declared for ${t.declaredFor.join(', ') || '-'}`);
  return out.join('\n');
}

export function registerIdentitiesCommand(program: Command): void {
  const identities = program.command('identities').description('the identity inventory and what a stream shows of it');
  withStageFlags(
    identities
      .command('report')
      .description('identities seen in a stream: owned, unowned, stale (declared but silent), tokens shared between identities; the first line names the inventory read')
      .requiredOption('--input <file>', 'audit records in any supported format (plain or .gz, - for stdin)')
      .option('-f, --format <format>', 'input format, or auto to detect it per record', 'auto'),
  )
    .option('--json', 'print the report as JSON (with the inventory file under "inventory")')
    .option('--fail-on-unowned', 'exit 1 when the stream shows an unowned identity or a shared token')
    .action(async (flags: ReportFlags) => {
      const { inventoryFile } = stageConfig(flags);
      const inventory = loadInventory(inventoryFile);
      const builder = createIdentityReportBuilder(inventory);
      for await (const event of readEvents(flags.input, (b) => console.error(`${flags.input}:${b.line}: skipped: ${b.message}`), flags.format)) builder.add(event);
      const report = builder.build();
      console.log(flags.json ? JSON.stringify({ inventory: inventory.file, ...report }, null, 2) : render(report, inventory));
      process.exitCode = flags.failOnUnowned && (report.unowned.length > 0 || report.sharedTokens.length > 0) ? 1 : 0;
    });

  identities
    .command('init')
    .description('draft an inventory from the identities a stream shows: type, first and last seen, events, accounts, long-lived tokens, and a guessed owner marked verified: false')
    .requiredOption('--input <file>', 'audit records in any supported format (plain or .gz, - for stdin)')
    .requiredOption('--out <file>', 'inventory file to write (YAML)')
    .option('-f, --format <format>', 'input format, or auto to detect it per record', 'auto')
    .option('--force', 'overwrite --out if it exists')
    .option('--group-min <n>', 'merge ids that differ only in a generated part (session, run number, hash) into one glob entry from this many on', '5')
    .option('--skip-known <inventory>', 'leave out identities this inventory already covers (to draft only the new ones)')
    .action(async (flags: InitFlags) => {
      const groupMin = Number(flags.groupMin);
      if (!Number.isInteger(groupMin) || groupMin < 2) throw new WardenError('WARDEN_USAGE', `--group-min must be an integer of at least 2, got "${flags.groupMin}"`);
      if (existsSync(flags.out) && !flags.force) throw new WardenError('WARDEN_USAGE', `${flags.out} exists; pass --force to overwrite it, or --skip-known ${flags.out} --out <new file> to draft only identities it lacks`);
      const drafter = createInventoryDrafter({ groupMin, ...(flags.skipKnown ? { existing: loadInventory(flags.skipKnown) } : {}) });
      let skipped = 0;
      for await (const event of readEvents(flags.input, (b) => {
        skipped++;
        console.error(`${flags.input}:${b.line}: skipped: ${b.message}`);
      }, flags.format)) drafter.add(event);
      const draft = drafter.build();
      if (draft.events === 0) throw new WardenError('WARDEN_EVENT_INVALID', `no events could be read from ${flags.input}${skipped > 0 ? ` (${skipped} records skipped)` : ''}; nothing to draft`);
      try {
        writeFileSync(flags.out, renderDraft(draft, flags.input));
      } catch (cause) {
        throw new WardenError('WARDEN_OUTPUT_FAILED', `cannot write ${flags.out}`, { cause });
      }
      const groups = draft.entries.filter((e) => e.members > 1);
      const unassigned = draft.entries.filter((e) => e.owner === 'unassigned').length;
      console.log(`wrote ${flags.out}: ${draft.entries.length} identities from ${draft.events} events${groups.length > 0 ? ` (${groups.length} glob entries for ${groups.reduce((a, g) => a + g.members, 0)} ids)` : ''}${draft.known > 0 ? `, ${draft.known} already known left out` : ''}`);
      console.log(`every owner is a guess (verified: false)${unassigned > 0 ? `; ${unassigned} have none (owner: unassigned)` : ''}: review ${flags.out}, set verified: true where right, then replay with --identities ${flags.out}`);
      process.exitCode = 0;
    });
}
