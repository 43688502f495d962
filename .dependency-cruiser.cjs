/** Architecture rules (see DESIGN.md "Layout"): no cycles, a pure core, dependencies pointing inwards. */
const pureCore = '^src/(events|baseline|policy|scoring|knowledge|sigma)/';
module.exports = {
  forbidden: [
    { name: 'no-circular', severity: 'error', from: {}, to: { circular: true } },
    {
      name: 'pure-core-no-io',
      comment: 'events/, baseline/, policy/, scoring/, knowledge/ and sigma/ are pure: no Kafka, Redis, HTTP or file system (policy/files.ts, knowledge/files.ts and sigma/files.ts read their folders).',
      severity: 'error',
      from: { path: pureCore, pathNot: '^src/baseline/redis/|^src/baseline/store-redis|^src/(policy|knowledge|sigma)/files\\.ts$' },
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
      name: 'config-imports-only-common',
      comment: 'config/ is the app schema and its loader: it imports only errors.ts and the generic helpers in common/ (YAML sources, globs), so every layer can read config without a cycle.',
      severity: 'error',
      from: { path: '^src/config/' },
      to: { path: '^src/', pathNot: '^src/(config|common)/|^src/errors\\.ts$' },
    },
    {
      name: 'common-is-generic',
      comment: 'common/ holds generic helpers: it imports nothing of Warden but errors.ts.',
      severity: 'error',
      from: { path: '^src/common/' },
      to: { path: '^src/', pathNot: '^src/common/|^src/errors\\.ts$' },
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
