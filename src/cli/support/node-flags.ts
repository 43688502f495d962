/**
 * The Node flags `warden run` is meant to run with. A decider keeps many objects alive for a
 * batch or for the learning held between writes (`pipeline.storeIntervalMs`); with Node's default
 * young generation (16 MiB semi-spaces) they survive a scavenge or two and are copied and
 * promoted, and garbage collection takes a large share of every event. Semi-spaces of 64 MiB let
 * them die young: in a drain of a backlog, about a fifth less CPU per event for about 100 MiB more
 * memory (BENCHMARKS.md, "Live pipeline"). The flag must be given to `node` itself (V8 sizes the
 * heap before any code runs): the Dockerfile's entry point, the npm scripts and the README's alias
 * pass it; `warden run` says so at start when it is missing.
 */
export const RECOMMENDED_NODE_FLAGS: readonly string[] = ['--max-semi-space-size=64'];

/** True when the process was started with a young-generation size of its own (a flag or NODE_OPTIONS). */
export function youngGenerationSet(execArgv: readonly string[] = process.execArgv, nodeOptions: string = process.env.NODE_OPTIONS ?? ''): boolean {
  const given = [...execArgv, ...nodeOptions.split(/\s+/)];
  return given.some((flag) => /^--(max[-_]semi[-_]space[-_]size|semi[-_]space[-_]growth[-_]factor|min[-_]semi[-_]space[-_]size)(=|$)/.test(flag));
}
