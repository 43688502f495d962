/**
 * Bytes allocated on the JavaScript heap while a piece of code runs, from V8's sampling heap
 * profiler (through `node:inspector`, objects collected since counted too): a sample every
 * `intervalBytes` on average, each standing for that many bytes. Each sample is charged to the
 * first frame of its stack (from the leaf) that `classify` names, and to the project function or
 * package nearest the leaf, so that the largest allocation sites can be listed.
 *
 * The same profiler in another process (`remoteSampling`): one started with `--inspect`, reached
 * over the inspector's WebSocket (the live benchmark's consumers).
 */
import { Session } from 'node:inspector';
import { WebSocket } from 'undici';

interface ProfileNode {
  id: number;
  callFrame: { functionName: string; url: string; lineNumber: number };
  children: ProfileNode[];
}

export interface SamplingProfile {
  head: ProfileNode;
  samples: { size: number; nodeId: number }[];
}

export interface AllocationProfile {
  /** Sampled bytes per class (`classify`'s names; `other` where no frame was named). */
  byClass: Map<string, number>;
  /** Sampled bytes per allocation site: the project function (`path:function`) or package nearest the leaf. */
  bySite: Map<string, number>;
  total: number;
}

export type Frame = ProfileNode['callFrame'];

/** The sampling parameters: every allocation counted, also of objects a garbage collection freed since. */
const samplingParams = (intervalBytes: number): object => ({ samplingInterval: intervalBytes, includeObjectsCollectedByMajorGC: true, includeObjectsCollectedByMinorGC: true });

function post<T>(session: Session, method: string, params?: object): Promise<T> {
  return new Promise((resolve, reject) => session.post(method, params ?? {}, (err, result) => (err ? reject(err) : resolve(result as T))));
}

/** The npm package a frame's code comes from (`@scope/name` or `name`), null for code of no package. */
export function packageOf(frame: Frame): string | null {
  return /node_modules\/((?:@[^/]+\/)?[^/]+)/.exec(frame.url)?.[1] ?? null;
}

function siteOf(frame: Frame): string | null {
  const pkg = packageOf(frame);
  if (pkg) return pkg;
  // `dist/` is the compiled project a `warden run` child runs.
  const own = /\/(src|bench|dist)\/(.+?)\.[jt]s$/.exec(frame.url);
  return own ? `${own[1]}/${own[2]}:${frame.functionName || '(anonymous)'}` : null;
}

/** Runs `work` under the sampling heap profiler and returns what it allocated. */
export async function profileAllocations(work: () => Promise<void>, classify: (frame: Frame) => string | null, intervalBytes = 1024): Promise<AllocationProfile> {
  const session = new Session();
  session.connect();
  try {
    await post(session, 'HeapProfiler.enable');
    await post(session, 'HeapProfiler.startSampling', samplingParams(intervalBytes));
    await work();
    const { profile } = await post<{ profile: SamplingProfile }>(session, 'HeapProfiler.stopSampling');
    return summarise(profile, classify);
  } finally {
    session.disconnect();
  }
}

/**
 * Starts the sampling heap profiler in the process whose inspector listens at `url` (`ws://…`,
 * printed by `node --inspect` on stderr); `stop` ends it and returns the profile.
 */
export async function remoteSampling(url: string, intervalBytes = 8192): Promise<{ stop: () => Promise<SamplingProfile> }> {
  const ws = new WebSocket(url);
  await new Promise<void>((resolve, reject) => {
    ws.addEventListener('open', () => resolve(), { once: true });
    ws.addEventListener('error', () => reject(new Error(`cannot reach the inspector at ${url}`)), { once: true });
  });
  let next = 0;
  const pending = new Map<number, { resolve: (result: unknown) => void; reject: (err: Error) => void }>();
  ws.addEventListener('message', (event) => {
    const reply = JSON.parse(String(event.data)) as { id?: number; result?: unknown; error?: { message: string } };
    const waiting = reply.id === undefined ? undefined : pending.get(reply.id);
    if (!waiting) return;
    pending.delete(reply.id!);
    if (reply.error) waiting.reject(new Error(reply.error.message));
    else waiting.resolve(reply.result);
  });
  // The process exited (or closed its inspector): nothing more will answer.
  ws.addEventListener('close', () => {
    for (const waiting of pending.values()) waiting.reject(new Error(`the inspector at ${url} closed`));
    pending.clear();
  });
  const call = <T>(method: string, params: object = {}): Promise<T> =>
    new Promise<T>((resolve, reject) => {
      const id = ++next;
      pending.set(id, { resolve: resolve as (result: unknown) => void, reject });
      ws.send(JSON.stringify({ id, method, params }));
    });
  await call('HeapProfiler.enable');
  await call('HeapProfiler.startSampling', samplingParams(intervalBytes));
  return {
    stop: async () => {
      try {
        return (await call<{ profile: SamplingProfile }>('HeapProfiler.stopSampling')).profile;
      } finally {
        ws.close();
      }
    },
  };
}

/** What a profile's samples come to, by `classify`'s classes and by allocation site. */
export function summarise(profile: SamplingProfile, classify: (frame: Frame) => string | null): AllocationProfile {
  const parent = new Map<number, ProfileNode>();
  const nodes = new Map<number, ProfileNode>();
  const walk = (node: ProfileNode): void => {
    nodes.set(node.id, node);
    for (const child of node.children) {
      parent.set(child.id, node);
      walk(child);
    }
  };
  walk(profile.head);
  const byClass = new Map<string, number>();
  const bySite = new Map<string, number>();
  let total = 0;
  for (const { size, nodeId } of profile.samples) {
    total += size;
    let cls: string | null = null;
    let site: string | null = null;
    for (let node = nodes.get(nodeId); node && (cls === null || site === null); node = parent.get(node.id)) {
      cls ??= classify(node.callFrame);
      site ??= siteOf(node.callFrame);
    }
    byClass.set(cls ?? 'other', (byClass.get(cls ?? 'other') ?? 0) + size);
    bySite.set(site ?? '(native)', (bySite.get(site ?? '(native)') ?? 0) + size);
  }
  return { byClass, bySite, total };
}

/** Several processes' profiles (a consumer group's members) as one. */
export function mergeAllocations(profiles: readonly AllocationProfile[]): AllocationProfile {
  const out: AllocationProfile = { byClass: new Map(), bySite: new Map(), total: 0 };
  for (const p of profiles) {
    out.total += p.total;
    for (const [k, v] of p.byClass) out.byClass.set(k, (out.byClass.get(k) ?? 0) + v);
    for (const [k, v] of p.bySite) out.bySite.set(k, (out.bySite.get(k) ?? 0) + v);
  }
  return out;
}
