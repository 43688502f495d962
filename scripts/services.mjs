#!/usr/bin/env node
// Local development services without Docker: a single-node KRaft Apache Kafka 3.9.1 broker
// assembled from Maven Central jars, and Redis (the one on 127.0.0.1:6379, or one we start).
//
//   node scripts/services.mjs up | down | status | restart-kafka | kafka-jars
//   node scripts/services.mjs up | down | status --kafka-cluster   (three brokers on 19092, 29092, 39092)
//   node scripts/services.mjs up | down | status --redis-cluster   (3 masters + 3 replicas on 7001-7006)
//
// `--redis-cluster` acts on a local Redis Cluster instead (no persistence, under
// .warden/redis-cluster/), for `redis.cluster.nodes`.
//
// WARDEN_KAFKA_BROKERS / WARDEN_REDIS_URL point at existing infrastructure instead: then `up`
// only checks that it answers. Everything this script creates lives under .warden/ (ignored).
// It stops only processes it started itself, found through its own pid files.
import { spawn, spawnSync } from 'node:child_process';
import { closeSync, existsSync, mkdirSync, openSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { connect } from 'node:net';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const STATE = join(ROOT, '.warden');
const KAFKA = join(STATE, 'kafka');
const KAFKA_LIBS = join(KAFKA, 'libs');
const KAFKA_DATA = join(KAFKA, 'data');
const KAFKA_PID = join(KAFKA, 'broker.pid');
const KAFKA_LOG = join(KAFKA, 'broker.log');
const KAFKA_PROPS = join(KAFKA, 'server.properties');
const REDIS_PID = join(STATE, 'redis', 'redis.pid');
const KAFKA_PORT = 9092;
const CONTROLLER_PORT = 9093;
const REDIS_PORT = 6379;
const READY_TIMEOUT_MS = 90_000;

class ServiceError extends Error {}

const log = (msg) => console.log(`services: ${msg}`);

/** Resolves true when a TCP connection to host:port opens within timeoutMs. */
export function tcpAnswers(host, port, timeoutMs = 1000) {
  return new Promise((done) => {
    const socket = connect({ host, port });
    const finish = (ok) => {
      socket.destroy();
      done(ok);
    };
    socket.setTimeout(timeoutMs, () => finish(false));
    socket.once('connect', () => finish(true));
    socket.once('error', () => finish(false));
  });
}

/** Sends a Redis PING (inline command) and resolves true on +PONG or an auth error (it answers). */
function redisAnswers(host, port, timeoutMs = 1000) {
  return new Promise((done) => {
    const socket = connect({ host, port });
    let buf = '';
    const finish = (ok) => {
      socket.destroy();
      done(ok);
    };
    socket.setTimeout(timeoutMs, () => finish(false));
    socket.once('connect', () => socket.write('PING\r\n'));
    socket.on('data', (d) => {
      buf += d.toString();
      if (buf.includes('\r\n')) finish(buf.startsWith('+PONG') || buf.startsWith('-NOAUTH'));
    });
    socket.once('error', () => finish(false));
  });
}

function parseHostPort(hostPort, defaultPort) {
  const m = /^\[?([^\]]+?)\]?(?::(\d+))?$/.exec(hostPort.trim());
  if (!m) throw new ServiceError(`cannot parse address "${hostPort}"`);
  return { host: m[1], port: m[2] ? Number(m[2]) : defaultPort };
}

function readPid(file) {
  if (!existsSync(file)) return null;
  const pid = Number(readFileSync(file, 'utf8').trim());
  return Number.isInteger(pid) && pid > 0 ? pid : null;
}

function alive(pid) {
  if (!pid) return false;
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

async function waitFor(check, timeoutMs, onTick) {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (await check()) return true;
    if (onTick && !onTick()) return false;
    await sleep(250);
  }
  return false;
}

function run(cmd, args, options = {}) {
  const result = spawnSync(cmd, args, { encoding: 'utf8', ...options });
  if (result.error) throw new ServiceError(`${cmd} could not run: ${result.error.message}`);
  if (result.status !== 0) {
    throw new ServiceError(`${cmd} ${args.join(' ')} failed (exit ${result.status}):\n${(result.stderr || result.stdout || '').slice(-2000)}`);
  }
  return result.stdout.trim();
}

function which(cmd) {
  const result = spawnSync('sh', ['-c', `command -v ${cmd}`], { encoding: 'utf8' });
  return result.status === 0 ? result.stdout.trim() : null;
}

// ---------------------------------------------------------------------------------------------
// Kafka

function brokerJarsPresent() {
  return existsSync(KAFKA_LIBS) && readdirSync(KAFKA_LIBS).some((f) => f.startsWith('kafka_2.13-3.9.1'));
}

function fetchBrokerJars() {
  if (brokerJarsPresent()) return;
  if (!which('java')) throw new ServiceError('Java is not installed; the Kafka broker needs Java 17 (apt-get install openjdk-17-jre-headless).');
  if (!which('mvn')) throw new ServiceError('Maven is not installed; it fetches the Kafka jars from Maven Central (apt-get install maven).');
  log('fetching Kafka 3.9.1 jars from Maven Central (once)…');
  const started = Date.now();
  mkdirSync(KAFKA_LIBS, { recursive: true });
  run('mvn', [
    '-q', '-B', '-f', join(ROOT, 'scripts/kafka/pom.xml'),
    'org.apache.maven.plugins:maven-dependency-plugin:3.6.1:copy-dependencies',
    '-DincludeScope=runtime', `-DoutputDirectory=${KAFKA_LIBS}`,
  ]);
  if (!brokerJarsPresent()) throw new ServiceError(`Maven finished but ${KAFKA_LIBS} has no kafka_2.13 jar`);
  log(`jars ready in ${((Date.now() - started) / 1000).toFixed(1)} s (${readdirSync(KAFKA_LIBS).length} files)`);
}

function writeBrokerConfig() {
  mkdirSync(KAFKA_DATA, { recursive: true });
  // log.dirs must be absolute: StorageTool resolves relative paths against its working directory.
  const props = [
    'process.roles=broker,controller',
    'node.id=1',
    `controller.quorum.voters=1@127.0.0.1:${CONTROLLER_PORT}`,
    `listeners=PLAINTEXT://127.0.0.1:${KAFKA_PORT},CONTROLLER://127.0.0.1:${CONTROLLER_PORT}`,
    `advertised.listeners=PLAINTEXT://127.0.0.1:${KAFKA_PORT}`,
    'controller.listener.names=CONTROLLER',
    'inter.broker.listener.name=PLAINTEXT',
    'listener.security.protocol.map=CONTROLLER:PLAINTEXT,PLAINTEXT:PLAINTEXT',
    `log.dirs=${KAFKA_DATA}`,
    'num.network.threads=2',
    'auto.create.topics.enable=true',
    readFileSync(join(ROOT, 'scripts/kafka/single-node.properties'), 'utf8'),
  ].join('\n');
  writeFileSync(KAFKA_PROPS, props);
}

function classpath() {
  return `${KAFKA_LIBS}/*`;
}

function formatStorage() {
  if (existsSync(join(KAFKA_DATA, 'meta.properties'))) return;
  // A fresh data dir with a fresh cluster id: re-formatting with a new id is an error (pitfall 2).
  rmSync(KAFKA_DATA, { recursive: true, force: true });
  mkdirSync(KAFKA_DATA, { recursive: true });
  const clusterId = run('java', ['-cp', classpath(), 'kafka.tools.StorageTool', 'random-uuid']).split('\n').pop();
  run('java', ['-Xmx256m', '-cp', classpath(), 'kafka.tools.StorageTool', 'format', '-t', clusterId, '-c', KAFKA_PROPS, '--ignore-formatted']);
}

function kafkaTarget() {
  const list = process.env.WARDEN_KAFKA_BROKERS;
  if (list) return { external: true, ...parseHostPort(list.split(',')[0], KAFKA_PORT) };
  return { external: false, host: '127.0.0.1', port: KAFKA_PORT };
}

export async function kafkaUp() {
  const target = kafkaTarget();
  if (target.external) {
    if (await tcpAnswers(target.host, target.port, 3000)) return log(`kafka: using WARDEN_KAFKA_BROKERS (${target.host}:${target.port} answers)`);
    throw new ServiceError(`kafka: WARDEN_KAFKA_BROKERS is set but ${target.host}:${target.port} does not answer`);
  }
  const pid = readPid(KAFKA_PID);
  if (await tcpAnswers(target.host, target.port)) {
    log(alive(pid) ? `kafka: already running (pid ${pid}) on 127.0.0.1:${KAFKA_PORT}` : `kafka: a broker not started by this script answers on 127.0.0.1:${KAFKA_PORT}; using it`);
    return;
  }
  if (alive(pid)) {
    // Our broker is starting (or hung): wait for it rather than starting a second one.
    log(`kafka: pid ${pid} is starting, waiting…`);
  } else {
    const started = Date.now();
    fetchBrokerJars();
    writeBrokerConfig();
    formatStorage();
    const tmp = join(KAFKA, 'tmp');
    mkdirSync(tmp, { recursive: true });
    const out = openSync(KAFKA_LOG, 'a');
    const child = spawn(
      'java',
      [
        '-Xms256m', '-Xmx512m', '-XX:+UseG1GC', '-XX:MaxGCPauseMillis=20', '-Djava.awt.headless=true',
        `-Dlog4j.configuration=file:${join(ROOT, 'scripts/kafka/log4j.properties')}`,
        `-DZstdTempFolder=${tmp}`, `-Dorg.xerial.snappy.tempdir=${tmp}`,
        '-cp', classpath(), 'kafka.Kafka', KAFKA_PROPS,
      ],
      { detached: true, stdio: ['ignore', out, out] },
    );
    closeSync(out);
    child.unref();
    writeFileSync(KAFKA_PID, String(child.pid));
    const ok = await waitFor(() => tcpAnswers(target.host, target.port), READY_TIMEOUT_MS, () => alive(child.pid));
    if (!ok) {
      const tail = existsSync(KAFKA_LOG) ? readFileSync(KAFKA_LOG, 'utf8').split('\n').slice(-25).join('\n') : '';
      if (alive(child.pid)) process.kill(child.pid, 'SIGKILL');
      rmSync(KAFKA_PID, { force: true });
      throw new ServiceError(`kafka: broker did not answer on 127.0.0.1:${KAFKA_PORT} within ${READY_TIMEOUT_MS / 1000} s. Last log lines (${KAFKA_LOG}):\n${tail}`);
    }
    log(`kafka: started (pid ${child.pid}) on 127.0.0.1:${KAFKA_PORT}, ready in ${((Date.now() - started) / 1000).toFixed(1)} s; log: .warden/kafka/broker.log`);
    return;
  }
  if (!(await waitFor(() => tcpAnswers(target.host, target.port), READY_TIMEOUT_MS, () => alive(pid)))) {
    throw new ServiceError(`kafka: pid ${pid} never answered on ${KAFKA_PORT}; see .warden/kafka/broker.log`);
  }
  log(`kafka: running (pid ${pid})`);
}

async function stopPid(pid, name, graceMs = 20_000) {
  if (!alive(pid)) return false;
  process.kill(pid, 'SIGTERM');
  if (!(await waitFor(async () => !alive(pid), graceMs))) {
    log(`${name}: pid ${pid} ignored SIGTERM for ${graceMs / 1000} s, sending SIGKILL`);
    process.kill(pid, 'SIGKILL');
    await waitFor(async () => !alive(pid), 5000);
  }
  return true;
}

export async function kafkaDown() {
  const pid = readPid(KAFKA_PID);
  if (await stopPid(pid, 'kafka')) log(`kafka: stopped (pid ${pid})`);
  else log('kafka: no broker started by this script is running');
  rmSync(KAFKA_PID, { force: true });
}

/** Stops and starts our broker, keeping its data: used by the broker-restart integration tests. */
export async function kafkaRestart() {
  if (kafkaTarget().external) throw new ServiceError('kafka: cannot restart an external broker (WARDEN_KAFKA_BROKERS is set)');
  // Restarting a broker someone else runs would quietly do nothing: say so instead.
  if (!alive(readPid(KAFKA_PID))) throw new ServiceError(`kafka: the broker on 127.0.0.1:${KAFKA_PORT} was not started by this script (from this folder); it will not restart it`);
  await kafkaDown();
  await kafkaUp();
}

// ---------------------------------------------------------------------------------------------
// Kafka cluster: three KRaft nodes (each a broker and a controller) from the same jars, on ports
// clear of the single dev broker, with three replicas and min.insync.replicas 2
// (scripts/kafka/cluster.properties). `up --kafka-cluster` starts every node that is not running,
// so it also restarts a node a test killed; `down --kafka-cluster` stops the nodes it started.

const CLUSTER = join(STATE, 'kafka-cluster');
const CLUSTER_NODES = [1, 2, 3].map((id) => ({
  id,
  port: id * 10_000 + 9092,
  controllerPort: id * 10_000 + 9093,
  dir: join(CLUSTER, `node-${id}`),
}));
const clusterNodeFile = (node, name) => join(node.dir, name);

/** The bootstrap list of the local cluster, e.g. for WARDEN_KAFKA_BROKERS. */
export const KAFKA_CLUSTER_BROKERS = CLUSTER_NODES.map((n) => `127.0.0.1:${n.port}`).join(',');

function writeClusterNodeConfig(node) {
  mkdirSync(join(node.dir, 'data'), { recursive: true });
  const voters = CLUSTER_NODES.map((n) => `${n.id}@127.0.0.1:${n.controllerPort}`).join(',');
  const props = [
    'process.roles=broker,controller',
    `node.id=${node.id}`,
    `controller.quorum.voters=${voters}`,
    `listeners=PLAINTEXT://127.0.0.1:${node.port},CONTROLLER://127.0.0.1:${node.controllerPort}`,
    `advertised.listeners=PLAINTEXT://127.0.0.1:${node.port}`,
    'controller.listener.names=CONTROLLER',
    'inter.broker.listener.name=PLAINTEXT',
    'listener.security.protocol.map=CONTROLLER:PLAINTEXT,PLAINTEXT:PLAINTEXT',
    `log.dirs=${join(node.dir, 'data')}`,
    readFileSync(join(ROOT, 'scripts/kafka/cluster.properties'), 'utf8'),
  ].join('\n');
  writeFileSync(clusterNodeFile(node, 'server.properties'), props);
}

/** One cluster id for all three nodes, kept beside them: a node formatted with another id cannot join. */
function clusterId() {
  const file = join(CLUSTER, 'cluster.id');
  if (existsSync(file)) return readFileSync(file, 'utf8').trim();
  const id = run('java', ['-cp', classpath(), 'kafka.tools.StorageTool', 'random-uuid']).split('\n').pop();
  mkdirSync(CLUSTER, { recursive: true });
  writeFileSync(file, id);
  return id;
}

function formatClusterNode(node, id) {
  const data = join(node.dir, 'data');
  if (existsSync(join(data, 'meta.properties'))) return;
  rmSync(data, { recursive: true, force: true });
  mkdirSync(data, { recursive: true });
  run('java', ['-Xmx256m', '-cp', classpath(), 'kafka.tools.StorageTool', 'format', '-t', id, '-c', clusterNodeFile(node, 'server.properties'), '--ignore-formatted']);
}

function spawnClusterNode(node) {
  const tmp = join(node.dir, 'tmp');
  mkdirSync(tmp, { recursive: true });
  const out = openSync(clusterNodeFile(node, 'broker.log'), 'a');
  const child = spawn(
    'java',
    [
      '-Xms128m', '-Xmx512m', '-XX:+UseG1GC', '-XX:MaxGCPauseMillis=20', '-Djava.awt.headless=true',
      `-Dlog4j.configuration=file:${join(ROOT, 'scripts/kafka/log4j.properties')}`,
      `-DZstdTempFolder=${tmp}`, `-Dorg.xerial.snappy.tempdir=${tmp}`,
      '-cp', classpath(), 'kafka.Kafka', clusterNodeFile(node, 'server.properties'),
    ],
    { detached: true, stdio: ['ignore', out, out] },
  );
  closeSync(out);
  child.unref();
  writeFileSync(clusterNodeFile(node, 'broker.pid'), String(child.pid));
  return child.pid;
}

export async function kafkaClusterUp() {
  const started = Date.now();
  const starting = [];
  for (const node of CLUSTER_NODES) {
    const pid = readPid(clusterNodeFile(node, 'broker.pid'));
    if (alive(pid)) continue;
    if (await tcpAnswers('127.0.0.1', node.port)) {
      log(`kafka-cluster: node ${node.id}: a broker not started by this script answers on 127.0.0.1:${node.port}; using it`);
      continue;
    }
    if (starting.length === 0) fetchBrokerJars();
    writeClusterNodeConfig(node);
    formatClusterNode(node, clusterId());
    starting.push({ node, pid: spawnClusterNode(node) });
  }
  // All nodes start before any is awaited: a node opens its broker port only once the controller
  // quorum (two of three) has elected a leader.
  for (const node of CLUSTER_NODES) {
    const pid = readPid(clusterNodeFile(node, 'broker.pid'));
    const ok = await waitFor(() => tcpAnswers('127.0.0.1', node.port), READY_TIMEOUT_MS, () => !pid || alive(pid));
    if (!ok) {
      const logFile = clusterNodeFile(node, 'broker.log');
      const tail = existsSync(logFile) ? readFileSync(logFile, 'utf8').split('\n').slice(-25).join('\n') : '';
      throw new ServiceError(`kafka-cluster: node ${node.id} did not answer on 127.0.0.1:${node.port} within ${READY_TIMEOUT_MS / 1000} s. Last log lines (${logFile}):\n${tail}`);
    }
  }
  const fresh = starting.map((s) => `node ${s.node.id} (pid ${s.pid})`).join(', ');
  log(`kafka-cluster: ${fresh ? `started ${fresh}, ready in ${((Date.now() - started) / 1000).toFixed(1)} s` : 'already running'}; brokers ${KAFKA_CLUSTER_BROKERS}; logs: .warden/kafka-cluster/node-*/broker.log`);
}

export async function kafkaClusterDown() {
  // Stopped together: a node waits for its controller quorum to shut down cleanly.
  await Promise.all(
    CLUSTER_NODES.map(async (node) => {
      const file = clusterNodeFile(node, 'broker.pid');
      const pid = readPid(file);
      if (await stopPid(pid, `kafka-cluster node ${node.id}`)) log(`kafka-cluster: node ${node.id} stopped (pid ${pid})`);
      rmSync(file, { force: true });
    }),
  );
}

async function kafkaClusterStatus() {
  let up = 0;
  for (const node of CLUSTER_NODES) {
    const pid = readPid(clusterNodeFile(node, 'broker.pid'));
    const answers = await tcpAnswers('127.0.0.1', node.port);
    if (answers) up++;
    log(`kafka-cluster node ${node.id} 127.0.0.1:${node.port}: ${answers ? 'up' : 'down'}${alive(pid) ? ` (started here, pid ${pid})` : ''}`);
  }
  return up === CLUSTER_NODES.length;
}

async function kafkaClusterCli(command) {
  switch (command) {
    case 'up':
      await kafkaClusterUp();
      return 0;
    case 'down':
      await kafkaClusterDown();
      return 0;
    case 'status':
      return (await kafkaClusterStatus()) ? 0 : 1;
    default:
      console.error('usage: node scripts/services.mjs up | down | status --kafka-cluster');
      return 2;
  }
}

// ---------------------------------------------------------------------------------------------
// Redis

function redisTarget() {
  const url = process.env.WARDEN_REDIS_URL;
  if (url) {
    const u = new URL(url);
    return { external: true, host: u.hostname || '127.0.0.1', port: Number(u.port || REDIS_PORT) };
  }
  return { external: false, host: '127.0.0.1', port: REDIS_PORT };
}

export async function redisUp() {
  const target = redisTarget();
  if (await redisAnswers(target.host, target.port)) return log(`redis: answering on ${target.host}:${target.port}`);
  if (target.external) throw new ServiceError(`redis: WARDEN_REDIS_URL is set but ${target.host}:${target.port} does not answer`);
  const server = which('redis-server');
  if (!server) throw new ServiceError('redis: nothing answers on 127.0.0.1:6379 and redis-server is not installed (apt-get install redis-server), or set WARDEN_REDIS_URL');
  mkdirSync(dirname(REDIS_PID), { recursive: true });
  run(server, [
    '--port', String(REDIS_PORT), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no', '--daemonize', 'yes',
    '--pidfile', REDIS_PID, '--dir', dirname(REDIS_PID), '--logfile', join(dirname(REDIS_PID), 'redis.log'),
  ]);
  if (!(await waitFor(() => redisAnswers(target.host, target.port), 10_000))) throw new ServiceError('redis: started redis-server but it does not answer; see .warden/redis/redis.log');
  log(`redis: started (pid ${readPid(REDIS_PID)}) on 127.0.0.1:${REDIS_PORT}`);
}

export async function redisDown() {
  const pid = readPid(REDIS_PID);
  if (await stopPid(pid, 'redis', 5000)) log(`redis: stopped (pid ${pid})`);
  rmSync(REDIS_PID, { force: true });
}

// ---------------------------------------------------------------------------------------------
// Redis Cluster (3 masters + 3 replicas), separate from the single Redis above

const REDIS_CLUSTER = join(STATE, 'redis-cluster');
export const REDIS_CLUSTER_PORTS = [7001, 7002, 7003, 7004, 7005, 7006];
/** A master that stops answering is replaced by its replica after this long (Redis default: 15 s). */
const CLUSTER_NODE_TIMEOUT_MS = 2000;

const clusterNodeDir = (port) => join(REDIS_CLUSTER, String(port));
const clusterNodePid = (port) => join(clusterNodeDir(port), 'redis.pid');

function redisClusterTarget() {
  const nodes = process.env.WARDEN_REDIS_CLUSTER_NODES;
  if (nodes) return { external: true, nodes: nodes.split(',').map((n) => parseHostPort(n, 7001)) };
  return { external: false, nodes: REDIS_CLUSTER_PORTS.map((port) => ({ host: '127.0.0.1', port })) };
}

function redisCli() {
  const cli = which('redis-cli');
  if (!cli) throw new ServiceError('redis cluster: redis-cli is not installed (apt-get install redis-tools)');
  return cli;
}

/** `cluster_state` as the node on `port` sees it ('ok', 'fail'), or null when it does not answer. */
function clusterState(cli, host, port) {
  const result = spawnSync(cli, ['-h', host, '-p', String(port), 'cluster', 'info'], { encoding: 'utf8', timeout: 3000 });
  if (result.status !== 0) return null;
  return /cluster_state:(\w+)/.exec(result.stdout)?.[1] ?? null;
}

/** For a replica, whether its link to its master is up (INFO replication); true for a master. */
function replicaLinked(cli, host, port) {
  const result = spawnSync(cli, ['-h', host, '-p', String(port), 'info', 'replication'], { encoding: 'utf8', timeout: 3000 });
  if (result.status !== 0) return false;
  if (!/^role:slave/m.test(result.stdout)) return true;
  return /^master_link_status:up/m.test(result.stdout);
}

/**
 * Every node answers and sees the cluster as ok, with all 16384 slots served, and every replica
 * has synchronised with its master. A replica that never had a link to its master is never
 * elected in its place, so until then a stopped master would not be replaced (a test that stops
 * one right after `up` would wait for a failover that cannot come).
 */
async function clusterHealthy(cli, nodes) {
  for (const n of nodes) {
    if (!(await redisAnswers(n.host, n.port))) return false;
    if (clusterState(cli, n.host, n.port) !== 'ok') return false;
    if (!replicaLinked(cli, n.host, n.port)) return false;
  }
  return true;
}

function startClusterNode(server, port) {
  const dir = clusterNodeDir(port);
  mkdirSync(dir, { recursive: true });
  run(server, [
    '--port', String(port), '--bind', '127.0.0.1', '--cluster-enabled', 'yes',
    '--cluster-config-file', join(dir, 'nodes.conf'), '--cluster-node-timeout', String(CLUSTER_NODE_TIMEOUT_MS),
    // A replica's first synchronisation starts at once (Redis waits 5 s by default for more replicas to share it).
    '--save', '', '--appendonly', 'no', '--repl-diskless-sync-delay', '0', '--daemonize', 'yes',
    '--pidfile', clusterNodePid(port), '--dir', dir, '--logfile', join(dir, 'redis.log'),
  ]);
}

/**
 * Starts the cluster, or whatever part of it is missing. Nothing running: six fresh nodes, then
 * `redis-cli --cluster create` with one replica per master. Some nodes running (a test stopped a
 * master): the missing ones start again from their nodes.conf and rejoin (a former master as a
 * replica of the one that replaced it). Idempotent: a healthy cluster is left alone.
 */
export async function redisClusterUp() {
  const target = redisClusterTarget();
  const cli = redisCli();
  if (await clusterHealthy(cli, target.nodes)) return log(`redis cluster: ok on ${target.nodes.map((n) => `${n.host}:${n.port}`).join(',')}`);
  if (target.external) throw new ServiceError('redis cluster: WARDEN_REDIS_CLUSTER_NODES is set but that cluster is not healthy');
  const server = which('redis-server');
  if (!server) throw new ServiceError('redis cluster: redis-server is not installed (apt-get install redis-server)');
  const answering = [];
  for (const port of REDIS_CLUSTER_PORTS) if (await redisAnswers('127.0.0.1', port)) answering.push(port);
  for (const port of answering) {
    if (!alive(readPid(clusterNodePid(port)))) throw new ServiceError(`redis cluster: something not started by this script answers on 127.0.0.1:${port}; stop it or set WARDEN_REDIS_CLUSTER_NODES`);
  }
  if (answering.length === 0) {
    rmSync(REDIS_CLUSTER, { recursive: true, force: true });
    for (const port of REDIS_CLUSTER_PORTS) startClusterNode(server, port);
    if (!(await waitFor(async () => (await Promise.all(REDIS_CLUSTER_PORTS.map((p) => redisAnswers('127.0.0.1', p)))).every(Boolean), 10_000))) {
      throw new ServiceError(`redis cluster: nodes do not answer; see ${join('.warden', 'redis-cluster', 'PORT', 'redis.log')}`);
    }
    run(cli, ['--cluster', 'create', ...REDIS_CLUSTER_PORTS.map((p) => `127.0.0.1:${p}`), '--cluster-replicas', '1', '--cluster-yes']);
  } else {
    for (const port of REDIS_CLUSTER_PORTS) if (!answering.includes(port)) startClusterNode(server, port);
  }
  if (!(await waitFor(() => clusterHealthy(cli, target.nodes), 30_000))) throw new ServiceError('redis cluster: started, but cluster_state is not ok after 30 s; see .warden/redis-cluster/*/redis.log');
  log(`redis cluster: ok on 127.0.0.1:${REDIS_CLUSTER_PORTS[0]}-${REDIS_CLUSTER_PORTS.at(-1)} (3 masters, 3 replicas)`);
}

/** Stops the nodes this script started: `SHUTDOWN NOSAVE` by port, SIGTERM to its own pid if that fails. */
export async function redisClusterDown() {
  const cli = which('redis-cli');
  let stopped = 0;
  for (const port of REDIS_CLUSTER_PORTS) {
    const pid = readPid(clusterNodePid(port));
    if (!alive(pid)) continue;
    if (cli) spawnSync(cli, ['-p', String(port), 'shutdown', 'nosave'], { encoding: 'utf8', timeout: 5000 });
    if (!(await waitFor(async () => !alive(pid), 5000))) await stopPid(pid, `redis cluster node ${port}`, 5000);
    stopped++;
  }
  rmSync(REDIS_CLUSTER, { recursive: true, force: true });
  log(stopped > 0 ? `redis cluster: stopped ${stopped} nodes` : 'redis cluster: no node started by this script is running');
}

async function redisClusterStatus() {
  const target = redisClusterTarget();
  const cli = which('redis-cli');
  let healthy = true;
  for (const n of target.nodes) {
    const up = await redisAnswers(n.host, n.port);
    const state = up && cli ? clusterState(cli, n.host, n.port) : null;
    const role = up && cli ? spawnSync(cli, ['-h', n.host, '-p', String(n.port), 'role'], { encoding: 'utf8', timeout: 3000 }).stdout.split('\n')[0] : '';
    const pid = target.external ? null : readPid(clusterNodePid(n.port));
    log(`redis cluster ${n.host}:${n.port}: ${up ? `up, ${role}, cluster_state ${state}` : 'down'}${alive(pid) ? ` (started here, pid ${pid})` : ''}`);
    healthy &&= up && state === 'ok';
  }
  return healthy;
}

async function redisClusterCli(command) {
  switch (command) {
    case 'up':
      await redisClusterUp();
      return 0;
    case 'down':
      await redisClusterDown();
      return 0;
    case 'status':
      return (await redisClusterStatus()) ? 0 : 1;
    default:
      console.error('usage: node scripts/services.mjs up | down | status --redis-cluster');
      return 2;
  }
}

// ---------------------------------------------------------------------------------------------

async function status() {
  const k = kafkaTarget();
  const r = redisTarget();
  const kPid = readPid(KAFKA_PID);
  const kUp = await tcpAnswers(k.host, k.port);
  const rUp = await redisAnswers(r.host, r.port);
  log(`kafka ${k.host}:${k.port}: ${kUp ? 'up' : 'down'}${alive(kPid) ? ` (started here, pid ${kPid})` : k.external ? ' (external)' : ''}`);
  log(`redis ${r.host}:${r.port}: ${rUp ? 'up' : 'down'}${alive(readPid(REDIS_PID)) ? ` (started here, pid ${readPid(REDIS_PID)})` : ''}`);
  return kUp && rUp;
}

async function cli(command) {
  if (process.argv.includes('--kafka-cluster')) return kafkaClusterCli(command);
  if (process.argv.includes('--redis-cluster')) return redisClusterCli(command);
  switch (command) {
    case 'up':
      await redisUp();
      await kafkaUp();
      return 0;
    case 'down':
      await kafkaDown();
      await redisDown();
      return 0;
    case 'status':
      return (await status()) ? 0 : 1;
    case 'restart-kafka':
      await kafkaRestart();
      return 0;
    case 'kafka-jars':
      // Only the jars (for tests that start brokers of their own), whoever runs the dev broker.
      fetchBrokerJars();
      log(`kafka jars: ${KAFKA_LIBS}`);
      return 0;
    default:
      console.error('usage: node scripts/services.mjs up | down | status | restart-kafka | kafka-jars');
      return 2;
  }
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  cli(process.argv[2]).then(
    (code) => process.exit(code),
    (err) => {
      console.error(err instanceof ServiceError ? err.message : err);
      process.exit(1);
    },
  );
}
