/**
 * Bytes allocated on the JavaScript heap while a piece of code runs, from V8's sampling heap
 * profiler (through `node:inspector`, objects collected since counted too): a sample every
 * `intervalBytes` on average, each standing for that many bytes. Each sample is charged to the
 * first frame of its stack (from the leaf) that `classify` names, and to the project function or
 * package nearest the leaf, so that the largest allocation sites can be listed.
 */
import { Session } from 'node:inspector';

interface ProfileNode {
  id: number;
  callFrame: { functionName: string; url: string; lineNumber: number };
  children: ProfileNode[];
}

interface SamplingProfile {
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

type Frame = ProfileNode['callFrame'];

function post<T>(session: Session, method: string, params?: object): Promise<T> {
  return new Promise((resolve, reject) => session.post(method, params ?? {}, (err, result) => (err ? reject(err) : resolve(result as T))));
}

function siteOf(frame: Frame): string | null {
  const pkg = /node_modules\/((?:@[^/]+\/)?[^/]+)/.exec(frame.url);
  if (pkg) return pkg[1]!;
  const own = /\/(src|bench)\/(.+?)\.[jt]s$/.exec(frame.url);
  return own ? `${own[1]}/${own[2]}:${frame.functionName || '(anonymous)'}` : null;
}

/** Runs `work` under the sampling heap profiler and returns what it allocated. */
export async function profileAllocations(work: () => Promise<void>, classify: (frame: Frame) => string | null, intervalBytes = 1024): Promise<AllocationProfile> {
  const session = new Session();
  session.connect();
  try {
    await post(session, 'HeapProfiler.enable');
    await post(session, 'HeapProfiler.startSampling', { samplingInterval: intervalBytes, includeObjectsCollectedByMajorGC: true, includeObjectsCollectedByMinorGC: true });
    await work();
    const { profile } = await post<{ profile: SamplingProfile }>(session, 'HeapProfiler.stopSampling');
    return summarise(profile, classify);
  } finally {
    session.disconnect();
  }
}

function summarise(profile: SamplingProfile, classify: (frame: Frame) => string | null): AllocationProfile {
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
