import { readFileSync } from 'node:fs';
import { parse } from 'yaml';
import { describe, expect, it } from 'vitest';

interface ComposeService {
  image?: string;
  build?: unknown;
  ports?: string[];
  environment?: Record<string, string | number>;
  depends_on?: Record<string, { condition: string }>;
  healthcheck?: unknown;
}

const compose = parse(readFileSync('docker-compose.yml', 'utf8')) as { services: Record<string, ComposeService> };

describe('docker-compose.yml', () => {
  it('describes the same stack as the local services: KRaft Kafka 3.9, Redis, Warden', () => {
    expect(Object.keys(compose.services).sort()).toEqual(['kafka', 'redis', 'warden']);
    expect(compose.services.kafka?.image).toMatch(/^apache\/kafka:3\.9\./);
    expect(compose.services.kafka?.environment?.KAFKA_PROCESS_ROLES).toBe('broker,controller');
    expect(compose.services.redis?.image).toMatch(/^redis:/);
  });

  it('publishes the ports the local setup uses', () => {
    expect(compose.services.kafka?.ports).toContain('9092:9092');
    expect(compose.services.redis?.ports).toContain('6379:6379');
    expect(compose.services.warden?.ports).toContain('9464:9464');
  });

  it('points Warden at the containers and starts it after they are healthy', () => {
    const warden = compose.services.warden;
    expect(warden?.build).toBeDefined();
    expect(String(warden?.environment?.WARDEN_KAFKA_BROKERS)).toMatch(/^kafka:\d+$/);
    expect(warden?.environment?.WARDEN_REDIS_URL).toBe('redis://redis:6379');
    expect(warden?.depends_on?.kafka?.condition).toBe('service_healthy');
    expect(warden?.depends_on?.redis?.condition).toBe('service_healthy');
    expect(compose.services.kafka?.healthcheck).toBeDefined();
  });

  it('advertises an internal listener the warden container can reach', () => {
    const advertised = String(compose.services.kafka?.environment?.KAFKA_ADVERTISED_LISTENERS);
    const broker = String(compose.services.warden?.environment?.WARDEN_KAFKA_BROKERS);
    expect(advertised.split(',').some((l) => l.endsWith(`//${broker}`))).toBe(true);
  });
});
