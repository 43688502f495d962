import { collectRepeated } from '../support/flags.js';
import { createReadStream, readFileSync, statSync } from 'node:fs';
import { createInterface } from 'node:readline';
import type { Command } from 'commander';
import { WardenError, isWardenError } from '../../errors.js';
import { DEFAULT_CONFIG_FILE, loadConfig } from '../../config/load.js';
import { BatchAudit, describeFinding } from '../../decisions/batch-audit.js';
import { eventIdOf } from '../../decisions/manifest.js';
import { createVerifier } from '../../decisions/signing.js';
import type { SignatureStatus } from '../../decisions/signing.js';

/** `kafka-console-consumer --property print.partition=true` writes `Partition:3<TAB>{…}`. */
const PARTITION_PREFIX = /^Partition:(\d+)\s+/;

interface VerifyFlags {
  config: string;
  publicKey: string[];
  quiet: boolean;
  strictOrder: boolean;
}

/**
 * Why a line did not verify; `malformed` (a `sig` that is no Warden signature) counts as tampered;
 * `no-manifest` is a compact record whose batch manifest never came in the input.
 */
type Problem = Exclude<SignatureStatus, 'valid' | 'malformed'> | 'not-json';

/** A compact record read before its batch's manifest: checked again when the manifest comes. */
interface Pending {
  record: object;
  line: number;
  lane: string;
  name: string;
}

/** `<keyId>:<batchId>` of a compact record's `sig` (ed25519-merkle-leaf:<keyId>:<batchId>:…). */
function leafBatchOf(record: object): string {
  const sig = (record as { sig?: unknown }).sig;
  const m = typeof sig === 'string' ? /^ed25519-merkle-leaf:([0-9a-f]{16}):([0-9a-f]{16}):/.exec(sig) : null;
  return m ? `${m[1]}:${m[2]}` : '';
}


function readPublicKey(file: string): string {
  try {
    return readFileSync(file, 'utf8');
  } catch (cause) {
    throw new WardenError('WARDEN_KEY_INVALID', `cannot read public key ${file}: ${(cause as Error).message}`, { cause });
  }
}

/** Refuses a missing or unreadable input before anything is printed (standard input excepted). */
function checkInput(file: string): void {
  if (file === '-') return;
  let isDirectory: boolean;
  try {
    isDirectory = statSync(file).isDirectory();
  } catch (cause) {
    throw new WardenError('WARDEN_INPUT_NOT_FOUND', `cannot read ${file}: ${(cause as NodeJS.ErrnoException).code === 'ENOENT' ? 'no such file' : (cause as Error).message}`, { cause });
  }
  if (isDirectory) throw new WardenError('WARDEN_INPUT_NOT_FOUND', `cannot read ${file}: it is a directory, not a JSON lines file`);
}

export function registerVerifyCommand(program: Command): void {
  program
    .command('verify')
    .description('verify every decision or block record in a JSONL file (or -): each signature (telling unsigned records, unknown keys and tampered records apart), that every Merkle batch of decisions is complete, without duplicates and in order, and that every full record an allow-batch record lists is there')
    .argument('<file>', 'JSON lines of signed records (a decisions file or topic dump, in the order read), - for standard input')
    .option('-c, --config <file>', 'config file', DEFAULT_CONFIG_FILE)
    .option('--public-key <file>', 'a trusted public key; repeat the option to trust several (a key rotation) (default: signing.publicKeyFile)', collectRepeated, [])
    .option('--strict-order', "check each batch's order over the whole input, not per partition or identity (a file written in order, or one partition)", false)
    .option('-q, --quiet', 'print only the summary', false)
    .action(async (file: string, opts: VerifyFlags) => {
      checkInput(file);
      const keyFiles = opts.publicKey.length > 0 ? opts.publicKey : [loadConfig(opts.config).signing.publicKeyFile];
      // Every manifest is kept: in a topic dump they may all come before (or after) the records they cover.
      const verifier = createVerifier(keyFiles.map(readPublicKey), { keptManifests: Number.POSITIVE_INFINITY });
      const audit = new BatchAudit();
      const counts: Record<Problem, number> = { unsigned: 0, 'unknown-key': 0, 'bad-signature': 0, 'not-json': 0, 'no-manifest': 0 };
      const unknownKeys = new Map<string, number>();
      const pending = new Map<string, Pending[]>();
      const accounted = { manifests: 0, decided: 0, omitted: 0 };
      const batched = { records: 0, decided: 0, entries: 0, full: 0, omitted: 0 };
      /** Full records the allow-batch records list (decision id → where listed), and the decision ids seen. */
      const listed = new Map<string, string>();
      const seenIds = new Set<string>();
      let valid = 0;
      let line = 0;
      const report = (problem: Problem, text: string, at = line): void => {
        counts[problem]++;
        if (!opts.quiet) console.log(`${file}:${at}: ${text}`);
      };
      /** A compact record checked against its (now known) manifest. */
      const settle = (p: Pending): void => {
        const checked = verifier.inspect(p.record);
        if (checked.status === 'valid' && checked.batch) {
          valid++;
          audit.observe(checked.batch, { line: p.line, eventId: eventIdOf(p.record), lane: p.lane });
        } else report('bad-signature', `TAMPERED (BAD SIGNATURE) ${p.name} (a compact record whose leaf is not the one its batch manifest lists)`, p.line);
      };
      const input = file === '-' ? process.stdin : createReadStream(file);
      try {
        for await (const raw of createInterface({ input, crlfDelay: Infinity })) {
          line++;
          if (raw.trim() === '') continue;
          const partition = PARTITION_PREFIX.exec(raw);
          const text = partition ? raw.slice(partition[0].length) : raw;
          let parsed: unknown;
          try {
            parsed = JSON.parse(text);
          } catch {
            report('not-json', 'not JSON');
            continue;
          }
          if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) {
            report('not-json', 'not a JSON object');
            continue;
          }
          const record = parsed as { decisionId?: unknown; identity?: unknown };
          const name = String(record.decisionId ?? record.identity ?? '');
          const checked = verifier.inspect(record);
          const lane = opts.strictOrder ? 'the input' : partition ? `partition ${partition[1]}` : `identity ${String(record.identity ?? '')}`;
          switch (checked.status) {
            case 'valid':
              break;
            case 'no-manifest': {
              const batch = leafBatchOf(record);
              const list = pending.get(batch) ?? [];
              list.push({ record, line, lane, name });
              pending.set(batch, list);
              continue;
            }
            case 'unsigned':
              report('unsigned', `UNSIGNED ${name} (no sig field)`);
              continue;
            case 'unknown-key':
              unknownKeys.set(checked.keyId ?? '', (unknownKeys.get(checked.keyId ?? '') ?? 0) + 1);
              report('unknown-key', `UNKNOWN KEY ${checked.keyId ?? ''} ${name} (signed with a key that is not trusted)`);
              continue;
            case 'bad-signature':
              report('bad-signature', `TAMPERED (BAD SIGNATURE) ${name} (signed with trusted key ${checked.keyId ?? ''}, does not verify: the record or its signature was altered)`);
              continue;
            case 'malformed':
              report('bad-signature', `TAMPERED (BAD SIGNATURE) ${name} (the sig field is not a Warden signature)`);
              continue;
          }
          valid++;
          if (checked.allowBatch) {
            const b = checked.allowBatch;
            batched.records++;
            batched.decided += b.decided;
            batched.entries += b.entries;
            batched.full += b.full.length;
            batched.omitted += b.omitted;
            for (const id of b.full) if (!listed.has(id)) listed.set(id, `allow-batch ${b.source} ${b.first}..${b.last} at line ${line}`);
            continue;
          }
          if (typeof record.decisionId === 'string') seenIds.add(record.decisionId);
          if (checked.manifest) {
            accounted.manifests++;
            accounted.decided += checked.manifest.decided;
            accounted.omitted += checked.manifest.omitted;
            const waiting = pending.get(`${checked.manifest.keyId}:${checked.manifest.batchId}`);
            if (waiting) {
              pending.delete(`${checked.manifest.keyId}:${checked.manifest.batchId}`);
              for (const p of waiting) settle(p);
            }
          }
          if (checked.batch) audit.observe(checked.batch, { line, eventId: eventIdOf(record), lane });
        }
      } catch (err) {
        if (isWardenError(err)) throw err;
        throw new WardenError('WARDEN_INPUT_NOT_FOUND', `cannot read ${file}: ${(err as Error).message}`, { cause: err });
      }
      for (const list of pending.values()) {
        for (const p of list) report('no-manifest', `NO MANIFEST ${p.name} (a compact record whose batch manifest is not in the input: it cannot be verified)`, p.line);
      }
      const { batches, complete, findings } = audit.finish();
      if (!opts.quiet) for (const f of findings) for (const text of describeFinding(f)) console.log(`${file}: ${text}`);
      // An allow-batch record names the full records of its range: each must be in the input.
      let unlisted = 0;
      for (const [id, where] of listed) {
        if (seenIds.has(id)) continue;
        unlisted++;
        if (!opts.quiet) console.log(`${file}: MISSING full record ${id} (listed by ${where})`);
      }
      const count = (kind: string): number => findings.filter((f) => f.kind === kind).length;
      const invalid = counts.unsigned + counts['unknown-key'] + counts['bad-signature'] + counts['not-json'] + counts['no-manifest'];
      const noManifest = counts['no-manifest'] > 0 ? `, ${counts['no-manifest']} without their manifest` : '';
      console.log(
        `${valid} valid, ${invalid} invalid (${counts.unsigned} unsigned, ${counts['unknown-key']} unknown key, ${counts['bad-signature']} tampered, ${counts['not-json']} not JSON${noManifest}); ` +
          `${batches} batches, ${complete} complete, ${count('missing')} with missing decisions, ${count('duplicate')} duplicated decisions, ${count('reordered')} reordered` +
          (listed.size > 0 || batched.records > 0 ? `; ${unlisted} full records missing of ${listed.size} listed by allow-batch records` : ''),
      );
      if (batched.records > 0) {
        const omitted = batched.omitted > 0 ? `, ${batched.omitted} allows not published (decisions.allow: none)` : '';
        console.log(`${batched.records} allow-batch records account for ${batched.decided} decisions: ${batched.entries} allows listed, ${batched.full} full records${omitted}`);
      }
      if (accounted.manifests > 0) {
        const omitted = accounted.omitted > 0 ? `, ${accounted.omitted} of them allows not published (decisions.allow: none)` : '';
        console.log(`${accounted.manifests} batch manifests account for ${accounted.decided} decisions${omitted}`);
      }
      if (counts.unsigned > 0) console.log(`${counts.unsigned} records carry no signature: \`warden run\` signs every decision; sign a replay's output with \`warden replay --sign\``);
      if (unknownKeys.size > 0) {
        const seen = [...unknownKeys].map(([id, n]) => `${id} (${n})`).join(', ');
        console.log(`signed with keys not trusted here: ${seen}; trusted: ${verifier.keyIds.join(', ')} (from ${keyFiles.join(', ')}); pass the signer's public key with --public-key`);
      }
      process.exitCode = invalid > 0 || findings.length > 0 || unlisted > 0 ? 1 : 0;
    });
}
