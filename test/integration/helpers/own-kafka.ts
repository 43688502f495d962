/**
 * A private single-node KRaft broker with a SASL_SSL listener (PLAIN, SCRAM-SHA-256 and
 * SCRAM-SHA-512 over TLS), started and stopped by the test itself from the Maven Central jars
 * that `scripts/services.mjs` fetches. The certificates come from openssl: a throwaway CA and a
 * server certificate for 127.0.0.1. The shared dev broker on 9092 is never touched.
 */
import { execFileSync, spawn } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { closeSync, existsSync, mkdirSync, mkdtempSync, openSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { freePort } from './warden-process.js';
import { eventually, tcpAnswers } from './services.js';

export interface SecureKafka {
  /** host:port of the SASL_SSL listener. */
  brokers: string;
  /** PEM of the CA that signed the broker certificate. */
  caFile: string;
  /** Users: `plain` for PLAIN, `scram` for both SCRAM mechanisms. */
  users: { plain: { username: string; password: string }; scram: { username: string; password: string } };
  /** An unauthenticated PLAINTEXT listener, for the test's own set-up only. */
  internalBrokers: string;
  logFile: string;
  stop: () => Promise<void>;
}

const LIBS = resolve('.warden/kafka/libs');

function openssl(args: string[], cwd: string): void {
  execFileSync('openssl', args, { cwd, stdio: 'pipe' });
}

/** A CA and a server certificate for 127.0.0.1, as PEM files plus a PKCS12 keystore for the broker. */
export function makeCertificates(dir: string): { caFile: string; certFile: string; keyFile: string; keystore: string; password: string } {
  const password = 'keystore-pass';
  openssl(['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-keyout', 'ca.key', '-out', 'ca.crt', '-days', '2', '-subj', '/CN=warden-test-ca'], dir);
  openssl(['req', '-newkey', 'rsa:2048', '-nodes', '-keyout', 'server.key', '-out', 'server.csr', '-subj', '/CN=127.0.0.1'], dir);
  writeFileSync(join(dir, 'san.cnf'), 'subjectAltName=IP:127.0.0.1,DNS:localhost\n');
  openssl(['x509', '-req', '-in', 'server.csr', '-CA', 'ca.crt', '-CAkey', 'ca.key', '-CAcreateserial', '-out', 'server.crt', '-days', '2', '-extfile', 'san.cnf'], dir);
  openssl(['pkcs12', '-export', '-in', 'server.crt', '-inkey', 'server.key', '-out', 'server.p12', '-passout', `pass:${password}`], dir);
  return { caFile: join(dir, 'ca.crt'), certFile: join(dir, 'server.crt'), keyFile: join(dir, 'server.key'), keystore: join(dir, 'server.p12'), password };
}

export async function startSecureKafka(): Promise<SecureKafka> {
  // The dev broker may be someone else's (already running, or WARDEN_KAFKA_BROKERS): fetch the jars here.
  const jarsPresent = (): boolean => existsSync(LIBS) && readdirSync(LIBS).some((f) => f.startsWith('kafka_2.13-'));
  if (!jarsPresent()) execFileSync(process.execPath, ['scripts/services.mjs', 'kafka-jars'], { stdio: 'pipe', timeout: 600_000 });
  if (!jarsPresent()) throw new Error(`no Kafka jars in ${LIBS} after \`node scripts/services.mjs kafka-jars\``);
  const dir = mkdtempSync(join(tmpdir(), 'warden-kafka-sasl-'));
  const data = join(dir, 'data');
  mkdirSync(data);
  const tls = makeCertificates(dir);
  const [internal, secure, controller] = [await freePort(), await freePort(), await freePort()];
  const users = { plain: { username: 'warden-plain', password: 'plain-secret-4c1e' }, scram: { username: 'warden-scram', password: 'scram-secret-9b7d' } };
  const props = join(dir, 'server.properties');
  writeFileSync(
    props,
    [
      'process.roles=broker,controller',
      'node.id=1',
      `controller.quorum.voters=1@127.0.0.1:${controller}`,
      `listeners=INTERNAL://127.0.0.1:${internal},SECURE://127.0.0.1:${secure},CONTROLLER://127.0.0.1:${controller}`,
      `advertised.listeners=INTERNAL://127.0.0.1:${internal},SECURE://127.0.0.1:${secure}`,
      'controller.listener.names=CONTROLLER',
      'inter.broker.listener.name=INTERNAL',
      'listener.security.protocol.map=CONTROLLER:PLAINTEXT,INTERNAL:PLAINTEXT,SECURE:SASL_SSL',
      'listener.name.secure.sasl.enabled.mechanisms=PLAIN,SCRAM-SHA-256,SCRAM-SHA-512',
      `listener.name.secure.plain.sasl.jaas.config=org.apache.kafka.common.security.plain.PlainLoginModule required user_${users.plain.username}="${users.plain.password}";`,
      'listener.name.secure.scram-sha-256.sasl.jaas.config=org.apache.kafka.common.security.scram.ScramLoginModule required;',
      'listener.name.secure.scram-sha-512.sasl.jaas.config=org.apache.kafka.common.security.scram.ScramLoginModule required;',
      'listener.name.secure.ssl.keystore.type=PKCS12',
      `listener.name.secure.ssl.keystore.location=${tls.keystore}`,
      `listener.name.secure.ssl.keystore.password=${tls.password}`,
      `listener.name.secure.ssl.key.password=${tls.password}`,
      `log.dirs=${data}`,
      'num.network.threads=1',
      readFileSync(resolve('scripts/kafka/single-node.properties'), 'utf8'),
    ].join('\n'),
  );
  const cp = `${LIBS}/*`;
  const log4j = `-Dlog4j.configuration=file:${resolve('scripts/kafka/log4j.properties')}`;
  const clusterId = execFileSync('java', [log4j, '-cp', cp, 'kafka.tools.StorageTool', 'random-uuid'], { encoding: 'utf8' }).trim().split('\n').pop() ?? '';
  const scram = (mechanism: string): string => `${mechanism}=[name=${users.scram.username},password=${users.scram.password}]`;
  execFileSync('java', ['-Xmx256m', log4j, '-cp', cp, 'kafka.tools.StorageTool', 'format', '-t', clusterId, '-c', props, '-S', scram('SCRAM-SHA-256'), '-S', scram('SCRAM-SHA-512')], { stdio: 'pipe' });
  const logFile = join(dir, 'broker.log');
  const out = openSync(logFile, 'a');
  const child: ChildProcess = spawn(
    'java',
    ['-Xms128m', '-Xmx384m', '-XX:+UseG1GC', '-Djava.awt.headless=true', log4j, '-cp', cp, 'kafka.Kafka', props],
    { stdio: ['ignore', out, out] },
  );
  closeSync(out);
  const exited = new Promise((r) => child.once('exit', r));
  try {
    await eventually(async () => {
      if (child.exitCode !== null) throw new Error(`the broker exited with ${child.exitCode}:\n${readFileSync(logFile, 'utf8').split('\n').slice(-30).join('\n')}`);
      return (await tcpAnswers('127.0.0.1', secure)) && (await tcpAnswers('127.0.0.1', internal));
    }, 90_000, `a SASL_SSL broker on ${secure}`);
  } catch (err) {
    child.kill('SIGKILL');
    throw err;
  }
  const stop = async (): Promise<void> => {
    if (child.exitCode !== null) return;
    child.kill('SIGTERM');
    const timer = setTimeout(() => child.kill('SIGKILL'), 20_000);
    await exited;
    clearTimeout(timer);
  };
  return { brokers: `127.0.0.1:${secure}`, internalBrokers: `127.0.0.1:${internal}`, caFile: tls.caFile, users, logFile, stop };
}
