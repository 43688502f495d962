/** Architecture rules (see DESIGN.md "Layout"): no cycles, a pure core, dependencies pointing inwards. */
const pureCore = '^src/(events|baseline|policy|scoring|knowledge|sigma)/';
module.exports = {
  forbidden: [
    { name: 'no-circular', severity: 'error', from: {}, to: { circular: true } },
    {
      name: 'pure-core-no-io',
      comment: 'events/, baseline/, policy/, scoring/, knowledge/ and sigma/ are pure: no Kafka, Redis, HTTP or file system (knowledge/files.ts and sigma/files.ts read their folders).',
      severity: 'error',
      from: { path: pureCore, pathNot: '^src/baseline/redis/|^src/baseline/store-redis|^src/(knowledge|sigma)/files\\.ts$' },
      to: { path: '(^|/)node_modules/(kafkajs|ioredis|fastify|undici|pino)/|^(fs|node:fs|fs/promises|node:fs/promises|net|node:net|http|node:http|child_process|node:child_process)$' },
    },
    {
      name: 'core-not-to-edges',
      comment: 'The core never imports the edges (pipeline, enforcer, cli).',
      severity: 'error',
      from: { path: '^src/(events|baseline|policy|scoring|identity|decisions|model|config|knowledge|sigma)/' },
      to: { path: '^src/(pipeline|enforcer|cli)/' },
    },
    {
      name: 'events-innermost',
      comment: 'events/ is the innermost layer.',
      severity: 'error',
      from: { path: '^src/events/' },
      to: { path: '^src/(identity|policy|baseline|model|scoring|decisions|pipeline|enforcer|cli)/' },
    },
  ],
  options: {
    doNotFollow: { path: 'node_modules' },
    tsPreCompilationDeps: true,
    tsConfig: { fileName: 'tsconfig.json' },
    enhancedResolveOptions: { exportsFields: ['exports'], conditionNames: ['import', 'require', 'node', 'default', 'types'] },
  },
};
