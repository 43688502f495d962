import { existsSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import type { Command } from 'commander';
import { DEFAULT_CONFIG_FILE, loadConfig } from '../../config/load.js';
import type { WardenConfig } from '../../config/schema.js';
import { WardenError } from '../../errors.js';
import type { IdentityProfile } from '../../baseline/profile.js';
import { deriveProfile, describeProfile } from '../../baseline/describe.js';
import { PEER_PREFIX } from '../../baseline/peers.js';
import { findRecord } from '../../identity/inventory.js';
import { loadInventory } from '../../identity/load.js';
import type { BaselineStore } from '../../baseline/store.js';
import { openStore } from '../stores.js';
import { readJsonLines } from '../support/json-lines.js';
import { decodeProfile, encodeProfile } from '../../baseline/profile-codec.js';

interface SourceFlags {
  config: string;
  file?: string;
  keyPrefix?: string;
}

/** Profiles come from a file (`replay --profiles-out`) or from Redis. */
async function withProfile<T>(flags: SourceFlags, run: (config: WardenConfig, store: BaselineStore | null, file: IdentityProfile[] | null) => Promise<T>): Promise<T> {
  const config = loadConfig(flags.config);
  if (flags.file) return run(config, null, await readJsonLines<IdentityProfile>(flags.file));
  const store = openStore('redis', config, flags.keyPrefix);
  try {
    return await run(config, store, null);
  } finally {
    await store.close();
  }
}

function sourceOptions(cmd: Command): Command {
  return cmd
    .option('--config <file>', 'warden.yaml (Redis connection and key prefix)', DEFAULT_CONFIG_FILE)
    .option('--file <file>', 'read profiles from a file written by `warden replay --profiles-out` instead of Redis')
    .option('--key-prefix <prefix>', 'Redis key prefix (default: redis.keyPrefix; replays use <prefix>:replay)');
}

async function find(identity: string, store: BaselineStore | null, file: IdentityProfile[] | null): Promise<IdentityProfile> {
  const p = file ? (file.find((x) => x.identity === identity) ?? null) : await store!.get(identity);
  if (!p) throw new WardenError('WARDEN_USAGE', `no baseline for identity ${identity}`);
  return p;
}

/**
 * The peer group profile of an identity: the groups its inventory entry implies (class, then
 * owner and type), else, in a profiles file, a group that lists it among its first members.
 */
async function findPeer(identity: string, config: WardenConfig, store: BaselineStore | null, file: IdentityProfile[] | null): Promise<IdentityProfile | null> {
  const candidates: string[] = [];
  try {
    const record = findRecord(loadInventory(config.identity.inventory), identity);
    if (record?.class) candidates.push(`${PEER_PREFIX}class/${record.class}`);
    if (record?.owner) candidates.push(`${PEER_PREFIX}owner/${record.owner}/${record.type ?? 'unknown'}`);
  } catch {
    // No readable inventory: fall back to group membership below.
  }
  for (const id of candidates) {
    const p = file ? (file.find((x) => x.identity === id) ?? null) : await store!.get(id);
    if (p) return p;
  }
  return file?.find((x) => x.identity.startsWith(PEER_PREFIX) && (x.members ?? []).includes(identity)) ?? null;
}

export function registerBaselineCommand(program: Command): void {
  const baseline = program.command('baseline').description('inspect, reset, export and import per-identity baselines');
  sourceOptions(
    baseline
      .command('show')
      .argument('<identity>', 'an identity id, or a peer group profile id (~peers/class/<class>, ~peers/owner/<owner>/<type>, ~peers/<type>/<account>)')
      .description('what Warden believes is normal for an identity: values with units and windows, learning progress, values new lately or not yet normal'),
  )
    .option('--json', 'print {profile: the profile as stored, derived: learning, marked values, units}')
    .option('--peers', 'also show the peer group profile the identity is judged against while it learns')
    .option('--recent-days <n>', 'mark values first seen within this many days of the latest event as new', '2')
    .action(async (identity: string, flags: SourceFlags & { json?: boolean; peers?: boolean; recentDays: string }) => {
      const recentDays = Number(flags.recentDays);
      if (!(recentDays >= 0)) throw new WardenError('WARDEN_USAGE', `--recent-days must be a number of days, got "${flags.recentDays}"`);
      await withProfile(flags, async (config, store, file) => {
        const p = await find(identity, store, file);
        const peer = flags.peers ? await findPeer(p.identity, config, store, file) : null;
        if (flags.json) {
          const derive = (x: IdentityProfile): unknown => ({ profile: x, derived: deriveProfile(x, config.baseline, { recentDays }) });
          console.log(JSON.stringify(flags.peers ? { ...(derive(p) as object), peerGroup: peer ? derive(peer) : null } : derive(p), null, 2));
          return;
        }
        const lines = describeProfile(p, config.baseline, { recentDays });
        if (flags.peers) {
          lines.push('');
          lines.push(...(peer ? describeProfile(peer, config.baseline, { recentDays }) : [`no peer group profile found for ${p.identity} (groups form by inventory class, owner and type, or type and account)`]));
        }
        console.log(lines.join('\n'));
      });
    });
  sourceOptions(baseline.command('reset').argument('<identity>').description('forget an identity\'s baseline (it starts learning again)'))
    .action(async (identity: string, flags: SourceFlags) => {
      if (flags.file) throw new WardenError('WARDEN_USAGE', 'reset works on Redis; edit or regenerate a profiles file instead');
      await withProfile(flags, async (_config, store) => {
        const existed = await store!.reset(identity);
        console.log(existed ? `reset baseline of ${identity}` : `${identity} had no baseline`);
      });
    });
  sourceOptions(baseline.command('export').argument('<identity>').description('write an identity\'s profile as JSON'))
    .requiredOption('--out <file>', 'JSON file')
    .action(async (identity: string, flags: SourceFlags & { out: string }) => {
      await withProfile(flags, async (_config, store, file) => {
        writeFileSync(flags.out, `${JSON.stringify(await find(identity, store, file))}\n`);
        console.log(`exported ${identity} to ${flags.out}`);
      });
    });
  sourceOptions(baseline.command('import').argument('<file>').description('load a profile written by `baseline export` into Redis'))
    .action(async (input: string, flags: SourceFlags) => {
      const profile = readProfileFile(input);
      await withProfile({ ...flags, file: undefined }, async (_config, store) => {
        await store!.put(profile);
        console.log(`imported ${profile.identity}`);
      });
    });
}

/**
 * Reads a profile written by `baseline export`, checked before anything is written to the store:
 * a missing, empty, non-JSON or incomplete file is refused with the file's name and what is wrong,
 * never stored half-formed. The check encodes the profile the way the store will and decodes it
 * back, so a profile that reads here is one the pipeline can load.
 */
function readProfileFile(input: string): IdentityProfile {
  if (!existsSync(input) || !statSync(input).isFile()) throw new WardenError('WARDEN_INPUT_NOT_FOUND', `file not found: ${input}`);
  const text = readFileSync(input, 'utf8');
  const notExported = `${input} is not a profile written by warden baseline export`;
  if (text.trim() === '') throw new WardenError('WARDEN_INPUT_INVALID', `${input} is empty: ${notExported.slice(input.length + 1)}`);
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (err) {
    throw new WardenError('WARDEN_INPUT_INVALID', `${input}: not JSON (${(err as Error).message})`, { cause: err });
  }
  const candidate = value as Partial<IdentityProfile> | null;
  if (typeof value !== 'object' || candidate === null || Array.isArray(value) || candidate.v !== 1 || typeof candidate.identity !== 'string' || candidate.identity === '') {
    throw new WardenError('WARDEN_INPUT_INVALID', `${notExported} (it needs "v": 1 and an "identity")`);
  }
  const profile = candidate as IdentityProfile;
  try {
    decodeProfile(encodeProfile(profile), typeof profile.events === 'number' ? profile.events : 0);
  } catch (err) {
    throw new WardenError('WARDEN_INPUT_INVALID', `${input}: the profile of ${profile.identity} is incomplete or damaged (${(err as Error).message})`, { cause: err });
  }
  return profile;
}
