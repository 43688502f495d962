/** `warden identities report --input FILE`: owned, unowned, stale identities and shared tokens. */
import type { Command } from 'commander';
import { createIdentityReportBuilder } from '../../identity/report.js';
import type { IdentityReport } from '../../identity/report.js';
import { readEvents } from '../support/ndjson.js';
import { loadInventory, stageConfig, withStageFlags } from '../support/stage-context.js';
import type { StageFlags } from '../support/stage-context.js';

interface ReportFlags extends StageFlags {
  input: string;
  json?: boolean;
  failOnUnowned?: boolean;
}

function render(r: IdentityReport): string {
  const out: string[] = [`${r.events} events, ${r.owned.length + r.unowned.length} identities`];
  out.push(`\nowned (${r.owned.length})`);
  for (const s of r.owned) out.push(`  ${s.id}  owner ${s.owner}  events ${s.events}  last ${s.lastSeen}${s.matchedBy !== s.id ? `  via ${s.matchedBy}` : ''}`);
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
      .description('identities seen in a stream: owned, unowned, stale (declared but silent), tokens shared between identities')
      .requiredOption('--input <file>', 'events, NDJSON WardenEvents'),
  )
    .option('--json', 'print the report as JSON')
    .option('--fail-on-unowned', 'exit 1 when the stream shows an unowned identity or a shared token')
    .action(async (flags: ReportFlags) => {
      const { inventoryFile } = stageConfig(flags);
      const builder = createIdentityReportBuilder(loadInventory(inventoryFile));
      for await (const event of readEvents(flags.input, (b) => console.error(`${flags.input}:${b.line}: skipped: ${b.message}`))) builder.add(event);
      const report = builder.build();
      console.log(flags.json ? JSON.stringify(report, null, 2) : render(report));
      process.exitCode = flags.failOnUnowned && (report.unowned.length > 0 || report.sharedTokens.length > 0) ? 1 : 0;
    });
}
