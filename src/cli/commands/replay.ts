import { writeFileSync } from 'node:fs';
import type { Command } from 'commander';
import cliProgress from 'cli-progress';
import { DEFAULT_CONFIG_FILE, loadConfig } from '../../config/load.js';
import type { FeedbackRecord } from '../../baseline/feedback.js';
import { MemoryBaselineStore } from '../../baseline/store-memory.js';
import { createDecider } from '../../scoring/decider.js';
import { openModelStage } from '../../pipeline/model-stage.js';
import { silentLogger } from '../../observability/logger.js';
import { replayEvents } from '../../pipeline/replay.js';
import type { ReplaySummary } from '../../pipeline/replay.js';
import { readJsonLines } from '../support/json-lines.js';
import { loadInventory } from '../../identity/load.js';
import { createIdentityResolver } from '../../identity/resolver.js';
import { loadPolicyDir } from '../../policy/files.js';
import { buildPolicySet } from '../../policy/policy-set.js';
import { createPolicyEngine } from '../../policy/engine.js';
import { ForcedFormatCheck, readEvents } from '../../pipeline/read-events.js';
import { NdjsonWriter } from '../../pipeline/ndjson-writer.js';
import { WardenError } from '../../errors.js';
import { intFlag } from '../support/flags.js';
import { createNormalizer } from '../../events/index.js';
import type { Reject } from '../../events/index.js';
import { openStore, parseStoreKind } from '../stores.js';
import { loadKnowledgeDir } from '../../knowledge/index.js';
import { loadSigmaDirs } from '../../sigma/index.js';
import { collectDirs } from '../support/decider-context.js';
import { createSigner } from '../../decisions/signing.js';
import type { Signer } from '../../decisions/signing.js';
import type { Decision } from '../../decisions/decision.js';
import { readKeyFile } from '../shared/blocks-io.js';

interface ReplayFlags {
  input: string;
  format: string;
  store: string;
  identities?: string;
  policies: string | false | undefined;
  knowledge?: string;
  sigma?: string[];
  rejects?: string;
  config: string;
  out: string;
  feedback?: string;
  keyPrefix?: string;
  profilesOut?: string;
  batchSize: string;
  progress: boolean;
  sign: boolean;
  privateKey?: string;
}

/** Prints the summary (to stderr when the decisions go to stdout: `--out -`). */
export function printSummary(summary: ReplaySummary, seconds: number, log: (line: string) => void = console.log): void {
  const v = summary.verdicts;
  log(`${summary.events} events in ${seconds.toFixed(2)}s (${Math.round(summary.events / Math.max(seconds, 1e-9))}/s): allow ${v.allow}, alert ${v.alert}, block ${v.block}`);
  if (summary.topIdentities.length > 0) log(`top identities: ${summary.topIdentities.map((x) => `${x.identity} (${x.flagged})`).join(', ')}`);
  if (summary.topReasons.length > 0) log(`top reasons:    ${summary.topReasons.map((x) => `${x.code} (${x.count})`).join(', ')}`);
}

/**
 * Signs decisions in whole batches of `batchSize` across the replay's decision chunks, as `warden
 * run` signs what it publishes: `add` returns the lines of every full batch, `flush` the rest.
 */
function batchSigner(signer: Signer, batchSize: number): { add: (decisions: readonly Decision[]) => string[]; flush: () => string[] } {
  let pending: Decision[] = [];
  return {
    add(decisions) {
      pending.push(...decisions);
      const whole = pending.length - (pending.length % batchSize);
      if (whole === 0) return [];
      const lines = signer.signAll(pending.slice(0, whole));
      pending = pending.slice(whole);
      return lines;
    },
    flush() {
      const lines = signer.signAll(pending);
      pending = [];
      return lines;
    },
  };
}

export function registerReplayCommand(program: Command): void {
  program
    .command('replay')
    .description('decide every event of a file with event time, exactly as live traffic would be decided')
    .requiredOption('--input <file>', 'audit records: any supported format, plain or gzip, - for stdin')
    .option('--format <format>', 'input format: auto (per record), cloudtrail, k8s, github, gcp, ocsf, pgaudit, warden or a mapping name', 'auto')
    .option('--store <kind>', 'baseline store: memory or redis', 'memory')
    .option('--identities <file>', 'identity inventory (default: identity.inventory of the config)')
    .option('--policies <dir>', 'policy folder (default: policy.dir of the config)')
    .option('--no-policies', 'decide without policies (baselines and identity only)')
    .option('--knowledge <dir>', 'technique knowledge pack folder (default: knowledge.dir of the config)')
    .option('--sigma <dir>', 'Sigma rule folder, repeatable (default: sigma.dirs of the config)', collectDirs)
    .option('--rejects <file>', 'write records that cannot be normalized here (JSON lines with reason and origin)')
    .option('--config <file>', 'warden.yaml', DEFAULT_CONFIG_FILE)
    .requiredOption('--out <file>', 'decisions file (one JSON line per input event); - for stdout')
    .option('--feedback <file>', 'operator feedback file to apply (from `warden feedback`)')
    .option('--key-prefix <prefix>', 'Redis key prefix for the replayed baselines (default: <redis.keyPrefix>:replay)')
    .option('--profiles-out <file>', 'write the learned profiles (JSON lines) at the end, for `warden baseline --file`')
    .option('--batch-size <n>', 'events per decision batch (decisions do not depend on it)', '5000')
    .option('--no-progress', 'no progress bar')
    .option('--sign', 'sign the decisions as `warden run` does (Merkle batches of signing.batchSize, signing.privateKeyFile), so that `warden verify` accepts the output', false)
    .option('--private-key <file>', 'with --sign: the Ed25519 private key (default: signing.privateKeyFile)')
    .action(async (flags: ReplayFlags) => {
      const batchSize = intFlag('batch-size', flags.batchSize, 1);
      if (flags.out !== '-' && flags.out === flags.input) throw new WardenError('WARDEN_USAGE', '--out must not be the input file');
      const config = loadConfig(flags.config);
      // A missing or bad key is refused before anything is decided or written.
      const signer = flags.sign ? createSigner(readKeyFile(flags.privateKey ?? config.signing.privateKeyFile, 'private'), { batchSize: config.signing.batchSize }) : null;
      // Refuse an unknown --format before any output file is opened.
      createNormalizer({ format: flags.format, events: config.events });
      const resolver = createIdentityResolver(loadInventory(flags.identities ?? config.identity.inventory), { unknownIdentity: config.identity.unknownIdentity });
      const policySet = flags.policies === false ? buildPolicySet([]) : loadPolicyDir(flags.policies ?? config.policy.dir);
      const policy = createPolicyEngine(policySet, { mode: config.policy.mode });
      const rejects = flags.rejects ? await NdjsonWriter.open(flags.rejects, process.stderr) : null;
      let rejected = 0;
      const check = new ForcedFormatCheck(flags.format, config.events);
      const onReject = (r: Reject): void => {
        rejected++;
        check.reject(r);
        // Buffered; a full buffer is flushed with the next batch of decisions.
        void rejects?.write(r)?.catch(() => undefined);
      };
      let truncated: WardenError | undefined;
      const feedback = flags.feedback ? await readJsonLines<FeedbackRecord>(flags.feedback) : [];
      const store = openStore(parseStoreKind(flags.store), config, flags.keyPrefix ?? `${config.redis.keyPrefix}:replay`);
      // The model of the config (when enabled), fixed for the whole replay: no hot swap mid-backtest.
      const model = await openModelStage(config, silentLogger, { watch: false });
      const knowledge = loadKnowledgeDir(flags.knowledge ?? config.knowledge.dir);
      const sigma = loadSigmaDirs(flags.sigma ?? config.sigma.dirs);
      // Never silently: rules the engine cannot evaluate are counted here, listed by `sigma check`.
      if (sigma.skipped.length > 0) console.error(`sigma: ${sigma.rules.length} rules loaded, ${sigma.skipped.length} skipped (\`warden sigma check\` lists them with why)`);
      const decider = createDecider({ config, resolver, policy, store, feedback, model: model?.port ?? null, knowledge, sigma });
      const out = await NdjsonWriter.open(flags.out);
      // With --out -, stdout carries the decisions: the summary goes to stderr.
      const log = flags.out === '-' ? (line: string): void => console.error(line) : (line: string): void => console.log(line);
      const bar = flags.progress && process.stderr.isTTY ? new cliProgress.SingleBar({ format: 'replay {value} events | {speed}/s', stream: process.stderr }, cliProgress.Presets.shades_classic) : null;
      const started = performance.now();
      bar?.start(0, 0, { speed: 0 });
      try {
        const sign = signer ? batchSigner(signer, config.signing.batchSize) : null;
        const writeLines = async (lines: readonly string[]): Promise<void> => {
          for (const line of lines) {
            const pending = out.writeLine(line);
            if (pending) await pending;
          }
        };
        const events = readEvents(flags.input, flags.format, config.events, onReject, {
          onTruncated: (err) => {
            truncated = err;
          },
        });
        const summary = await replayEvents(events, decider, async (decisions) => {
          for (let i = 0; i < decisions.length; i++) check.event();
          if (sign) await writeLines(sign.add(decisions));
          else {
            for (const d of decisions) {
              const pending = out.write(d);
              if (pending) await pending;
            }
          }
          await rejects?.flush();
        }, {
          batchSize,
          onProgress: (n) => bar?.update(n, { speed: Math.round(n / ((performance.now() - started) / 1000)) }),
        });
        if (sign) await writeLines(sign.flush());
        bar?.stop();
        await out.close();
        await rejects?.close();
        if (flags.profilesOut && store instanceof MemoryBaselineStore) {
          const lines: string[] = [];
          for (const id of store.identities().sort()) lines.push(JSON.stringify(await store.get(id)));
          writeFileSync(flags.profilesOut, lines.join('\n') + (lines.length ? '\n' : ''));
        }
        printSummary(summary, (performance.now() - started) / 1000, log);
        if (rejected > 0) log(`rejected: ${rejected} records could not be normalized${flags.rejects ? ` (see ${flags.rejects})` : ' (use --rejects FILE to keep them)'}`);
        // Reported once every decision is written: what was read is kept, the exit code tells the loss.
        if (truncated) throw truncated;
        const rejectedAll = check.error();
        if (rejectedAll) throw rejectedAll;
      } finally {
        bar?.stop();
        await store.close();
        await model?.holder.dispose();
      }
    });
}
