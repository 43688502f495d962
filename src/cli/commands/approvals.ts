import type { Command } from 'commander';
import { WardenError } from '../../errors.js';
import { DEFAULT_CONFIG_FILE, loadConfig } from '../../config/load.js';
import type { WardenConfig } from '../../config/schema.js';
import { createLogger } from '../../observability/logger.js';
import type { Logger } from '../../observability/logger.js';
import { parseDuration } from '../../enforcer/operator-records.js';
import { findRecord } from '../../identity/inventory.js';
import { loadInventory } from '../../identity/load.js';
import { blockInForce, publishApprovals, readApprovals } from '../../approvals/operator.js';
import type { ApprovalOrigin, ApprovalRecord, ApprovalState } from '../../approvals/record.js';
import { APPROVAL_STATES } from '../../approvals/record.js';
import { approve, cancel, deny, effectiveState, openRequest, overdueRecord, revoke } from '../../approvals/state.js';
import { publicKeysFrom, readKeyFile } from '../shared/blocks-io.js';
import { collectRepeated, intFlag } from '../support/flags.js';

interface CommonFlags {
  config: string;
  publicKey: string[];
  privateKey?: string;
  timeout: string;
  json: boolean;
}

interface Context {
  config: WardenConfig;
  logger: Logger;
  publicKeys: string[];
  timeoutMs: number;
}

function contextOf(flags: CommonFlags): Context {
  const timeoutMs = intFlag('timeout', flags.timeout, 1);
  const config = loadConfig(flags.config);
  return { config, logger: createLogger({ level: config.logging.level }), publicKeys: publicKeysFrom(config, flags.publicKey), timeoutMs };
}

/** `--as`, else WARDEN_OPERATOR; never a guess: the record names who decided. */
export function approvalOperator(explicit: string | undefined): string {
  const name = explicit?.trim() || process.env.WARDEN_OPERATOR?.trim();
  if (!name) throw new WardenError('WARDEN_USAGE', 'say who you are: --as <name> or the WARDEN_OPERATOR environment variable');
  return name;
}

function common(command: Command, withPrivateKey: boolean): Command {
  command
    .option('--json', 'print JSON instead of a table', false)
    .option('--public-key <file>', 'a trusted public key; repeat for several (default: signing.publicKeyFile)', collectRepeated, [])
    .option('--timeout <ms>', 'give up if the approvals topic cannot be read to its end in this time', '30000')
    .option('-c, --config <file>', 'config file', DEFAULT_CONFIG_FILE);
  if (withPrivateKey) command.option('--private-key <file>', 'signing key (default: signing.privateKeyFile)');
  return command;
}

function scopeText(r: ApprovalRecord): string {
  return `${r.actions.join(',')}${r.resources ? ` on ${r.resources.join(',')}` : ''}`;
}

function describe(r: ApprovalRecord, nowMs: number): string {
  const state = effectiveState(r, nowMs);
  const lines = [
    `${r.id}  ${state}${state !== r.state ? ` (recorded ${r.state})` : ''}`,
    `  identity   ${r.identity}${r.tokenId ? ` (token ${r.tokenId})` : ''}  owner ${r.owner ?? '(not in inventory)'}  criticality ${r.criticality ?? 'unknown'}`,
    `  scope      ${scopeText(r)}`,
    `  requested  by ${r.requestedBy} at ${r.requestedAt} (${r.origin.kind}${r.origin.decisionId ? ` ${r.origin.decisionId}` : ''}${r.origin.rule ? ` ${r.origin.rule}` : ''}), risk ${r.risk ?? '-'}`,
    `  reasons    ${r.reasons.join(' | ')}`,
    `  approvals  ${r.approvals.length}/${r.required}${r.approvals.length > 0 ? `: ${r.approvals.map((v) => `${v.by} at ${v.at}`).join(', ')}` : ''}`,
  ];
  if (r.grantExpiresAt) lines.push(`  grant      ${r.grantedAt} → ${r.grantExpiresAt}`);
  else lines.push(`  pending    until ${r.pendingExpiresAt}; grant would last ${Math.round(r.grantTtlMs / 1000)} s`);
  if (r.transition !== 'open') lines.push(`  last       ${r.transition} by ${r.updatedBy} at ${r.updatedAt}${r.comment ? `: ${r.comment}` : ''}`);
  return lines.join('\n');
}

function printTable(records: ApprovalRecord[], nowMs: number): void {
  if (records.length === 0) {
    console.log('no approval requests');
    return;
  }
  const rows = records.map((r) => [r.id, effectiveState(r, nowMs), r.tokenId ? `${r.identity} (token ${r.tokenId})` : r.identity, scopeText(r), `${r.approvals.length}/${r.required}`, r.requestedBy, r.grantExpiresAt ?? r.pendingExpiresAt, r.reasons[0] ?? '']);
  const head = ['ID', 'STATE', 'IDENTITY', 'SCOPE', 'APPROVALS', 'REQUESTED BY', 'UNTIL', 'REASON'];
  const widths = head.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? '').length)));
  for (const row of [head, ...rows]) console.log(row.map((cell, i) => (i === row.length - 1 ? cell : cell.padEnd(widths[i] ?? 0))).join('  '));
}

function print(record: ApprovalRecord, json: boolean, nowMs: number): void {
  console.log(json ? JSON.stringify({ ...record, effectiveState: effectiveState(record, nowMs) }) : describe(record, nowMs));
}

type Transition = (record: ApprovalRecord, by: string, nowMs: number, comment: string | undefined, config: WardenConfig) => ApprovalRecord;

/** Approve with the bar the inventory sets now: a request opened without it (by the pipeline) cannot need fewer approvers. */
function approveWithBar(record: ApprovalRecord, by: string, nowMs: number, comment: string | undefined, config: WardenConfig): ApprovalRecord {
  const criticality = findRecord(loadInventory(config.identity.inventory), record.identity)?.criticality ?? null;
  return approve(record, by, nowMs, comment, { required: config.approvals.required[criticality ?? 'unknown'], criticality });
}

function registerTransition(approvals: Command, name: string, description: string, transition: Transition): void {
  common(approvals.command(name).description(description).argument('<id>', 'the request id (apr-…)'), true)
    .option('--as <name>', 'who you are (default: WARDEN_OPERATOR)')
    .option('--comment <text>', 'recorded on the transition')
    .action(async (id: string, opts: CommonFlags & { as?: string; comment?: string }) => {
      const by = approvalOperator(opts.as);
      const ctx = contextOf(opts);
      const privateKey = readKeyFile(opts.privateKey ?? ctx.config.signing.privateKeyFile, 'private');
      const { table } = await readApprovals(ctx.config, ctx.logger, ctx.publicKeys, ctx.timeoutMs);
      const current = table.get(id);
      if (!current) throw new WardenError('WARDEN_APPROVAL_NOT_FOUND', `no approval request ${id} on ${ctx.config.kafka.topics.approvals}`, { hint: '`warden approvals list --all` shows every request' });
      const nowMs = Date.now();
      let nextRecord: ApprovalRecord;
      try {
        nextRecord = transition(current, by, nowMs, opts.comment, ctx.config);
      } catch (err) {
        // A request found past its time gets its expire / lapse record now, so the topic says so.
        const overdue = overdueRecord(current, by, nowMs);
        if (overdue) await publishApprovals(ctx.config, ctx.logger, privateKey, [overdue]);
        throw err;
      }
      const [signed] = await publishApprovals(ctx.config, ctx.logger, privateKey, [nextRecord]);
      if (signed) print(signed, opts.json, nowMs);
    });
}

export function registerApprovalsCommand(program: Command): void {
  const approvals = program.command('approvals').description('approval requests and time-boxed grants that let a blocked identity do one approved thing (docs/approvals.md)');

  common(approvals.command('request').description('open an approval request: prints it with its id'), true)
    .requiredOption('--identity <id>', 'the identity that needs the grant')
    .requiredOption('--action <pattern>', 'an action pattern the grant covers (glob: "s3:GetObject", "GET /items/*"); repeat for several', collectRepeated, [])
    .option('--resource <pattern>', 'a resource pattern (glob); repeat for several; none = any resource', collectRepeated, [])
    .option('--token <id>', 'grant only this token / credential of the identity')
    .requiredOption('--ttl <duration>', 'how long the grant lasts once approved: 90s, 15m, 1h')
    .requiredOption('--reason <text>', 'why the identity needs this')
    .option('--as <name>', 'who requests (default: WARDEN_OPERATOR)')
    .action(async (opts: CommonFlags & { identity: string; action: string[]; resource: string[]; token?: string; ttl: string; reason: string; as?: string }) => {
      const by = approvalOperator(opts.as);
      const ctx = contextOf(opts);
      const { config } = ctx;
      const grantTtlMs = parseDuration(opts.ttl);
      if (grantTtlMs === null) throw new WardenError('WARDEN_USAGE', 'a grant cannot last forever: give --ttl such as 15m or 2h');
      if (grantTtlMs > config.approvals.maxGrantTtlSeconds * 1000) throw new WardenError('WARDEN_USAGE', `--ttl ${opts.ttl} is longer than approvals.maxGrantTtlSeconds (${config.approvals.maxGrantTtlSeconds} s)`);
      if (opts.reason.trim() === '') throw new WardenError('WARDEN_USAGE', '--reason must say why the grant is needed');
      const privateKey = readKeyFile(opts.privateKey ?? config.signing.privateKeyFile, 'private');
      const entry = findRecord(loadInventory(config.identity.inventory), opts.identity);
      const criticality = entry?.criticality ?? null;
      const block = await blockInForce(config, ctx.logger, ctx.publicKeys, opts.identity, opts.token, ctx.timeoutMs);
      const risk = block ? Number(/^risk (\d+)/.exec(block.reason)?.[1] ?? Number.NaN) : Number.NaN;
      const origin: ApprovalOrigin = block ? { kind: 'block', decisionId: block.decisionId } : { kind: 'operator' };
      const record = openRequest({
        identity: opts.identity,
        ...(opts.token ? { tokenId: opts.token } : {}),
        actions: opts.action,
        resources: opts.resource,
        reasons: [opts.reason, ...(block ? [`blocked by ${block.source}: ${block.reason}`] : [])],
        risk: Number.isNaN(risk) ? null : risk,
        owner: entry?.owner ?? null,
        criticality,
        required: config.approvals.required[criticality ?? 'unknown'],
        origin,
        requestedBy: by,
        grantTtlMs,
        pendingTtlMs: config.approvals.pendingTtlSeconds * 1000,
        nowMs: Date.now(),
      });
      const [signed] = await publishApprovals(config, ctx.logger, privateKey, [record]);
      if (signed) print(signed, opts.json, Date.now());
    });

  common(approvals.command('list').description('approval requests: pending and granted ones by default'), false)
    .option('--all', 'every request, whatever its state', false)
    .option('--state <state>', `only requests in this state (${APPROVAL_STATES.join(', ')})`)
    .option('--identity <id>', 'only requests for this identity')
    .action(async (opts: CommonFlags & { all: boolean; state?: string; identity?: string }) => {
      if (opts.state !== undefined && !(APPROVAL_STATES as readonly string[]).includes(opts.state)) throw new WardenError('WARDEN_USAGE', `--state must be one of ${APPROVAL_STATES.join(', ')}`);
      const ctx = contextOf(opts);
      const { table, rejected } = await readApprovals(ctx.config, ctx.logger, ctx.publicKeys, ctx.timeoutMs);
      const nowMs = Date.now();
      const wanted = (state: ApprovalState): boolean => (opts.state !== undefined ? state === opts.state : opts.all || state === 'pending' || state === 'approved');
      const rows = table.list(nowMs).filter(({ record, state }) => wanted(state) && (opts.identity === undefined || record.identity === opts.identity));
      if (opts.json) for (const { record, state } of rows) console.log(JSON.stringify({ ...record, effectiveState: state }));
      else printTable(rows.map((r) => r.record), nowMs);
      if (rejected > 0) console.error(`warning: ${rejected} record(s) on ${ctx.config.kafka.topics.approvals} failed signature or format checks and were ignored`);
    });

  common(approvals.command('show').description('one approval request in full').argument('<id>', 'the request id (apr-…)'), false).action(async (id: string, opts: CommonFlags) => {
    const ctx = contextOf(opts);
    const { table } = await readApprovals(ctx.config, ctx.logger, ctx.publicKeys, ctx.timeoutMs);
    const record = table.get(id);
    if (!record) throw new WardenError('WARDEN_APPROVAL_NOT_FOUND', `no approval request ${id} on ${ctx.config.kafka.topics.approvals}`);
    print(record, opts.json, Date.now());
  });

  registerTransition(approvals, 'approve', 'approve a pending request (never your own); it becomes a grant once enough operators approved', approveWithBar);
  registerTransition(approvals, 'deny', 'deny a pending request', (r, by, now, comment) => deny(r, by, now, comment));
  registerTransition(approvals, 'revoke', 'end a grant before its TTL', (r, by, now, comment) => revoke(r, by, now, comment));
  registerTransition(approvals, 'cancel', 'withdraw your own pending request', (r, by, now, comment) => cancel(r, by, now, comment));

  common(approvals.command('sweep').description('publish the expire / lapse records of requests and grants whose time has passed (run it from cron)'), true)
    .option('--as <name>', 'who sweeps (default: WARDEN_OPERATOR)')
    .action(async (opts: CommonFlags & { as?: string }) => {
      const by = approvalOperator(opts.as);
      const ctx = contextOf(opts);
      const privateKey = readKeyFile(opts.privateKey ?? ctx.config.signing.privateKeyFile, 'private');
      const { table } = await readApprovals(ctx.config, ctx.logger, ctx.publicKeys, ctx.timeoutMs);
      const nowMs = Date.now();
      const overdue = table.list(nowMs).flatMap(({ record }) => overdueRecord(record, by, nowMs) ?? []);
      const published = await publishApprovals(ctx.config, ctx.logger, privateKey, overdue);
      if (opts.json) for (const r of published) console.log(JSON.stringify(r));
      else console.log(published.length === 0 ? 'nothing overdue' : published.map((r) => `${r.id} ${r.state}`).join('\n'));
    });
}
