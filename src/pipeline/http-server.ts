/**
 * The instance's HTTP endpoints: `/metrics` (Prometheus), `/healthz` (the process is alive) and
 * `/readyz` (joined the consumer group and the store answers). Other stages add routes (the
 * enforcer's `/v1/check`) through `routes`.
 */
import Fastify from 'fastify';
import type { FastifyInstance } from 'fastify';
import type { Registry } from 'prom-client';

export interface ReadinessCheck {
  name: string;
  check: () => boolean | Promise<boolean>;
}

export interface HttpServerOptions {
  host: string;
  port: number;
  /** What /metrics serves: a prom-client registry, or anything that renders one (the threads' sum). */
  registry: Pick<Registry, 'metrics' | 'contentType'>;
  readiness: ReadinessCheck[];
  routes?: (app: FastifyInstance) => void;
}

export async function startHttpServer(options: HttpServerOptions): Promise<{ app: FastifyInstance; url: string }> {
  const app = Fastify({ logger: false });
  app.get('/healthz', async () => ({ status: 'ok' }));
  app.get('/readyz', async (_req, reply) => {
    const results = await Promise.all(
      options.readiness.map(async (r) => {
        try {
          return [r.name, await r.check()] as const;
        } catch {
          return [r.name, false] as const;
        }
      }),
    );
    const ready = results.every(([, ok]) => ok);
    return reply.code(ready ? 200 : 503).send({ status: ready ? 'ready' : 'not ready', checks: Object.fromEntries(results) });
  });
  app.get('/metrics', async (_req, reply) => {
    const body = await options.registry.metrics();
    return reply.header('content-type', options.registry.contentType).send(body);
  });
  options.routes?.(app);
  const url = await app.listen({ host: options.host, port: options.port });
  return { app, url };
}
