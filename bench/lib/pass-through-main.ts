/**
 * The ceiling as its own process, so it is measured the way `warden run` is (a separate process
 * next to the load generator): `node --import tsx bench/lib/pass-through-main.ts <input> <output>
 * <group>`. Prints `ready` once it joined its group; stops on SIGTERM.
 */
import { Kafka, logLevel } from 'kafkajs';
import { startPassThrough } from './kafka-load.js';
import type { PassThroughCpu } from './kafka-load.js';

const [input, output, groupId] = process.argv.slice(2);
if (!input || !output || !groupId) throw new Error('usage: pass-through-main.ts <input> <output> <group>');
const brokers = (process.env.WARDEN_KAFKA_BROKERS ?? '127.0.0.1:9092').split(',');
const kafka = new Kafka({ clientId: `${groupId}-pass`, brokers, logLevel: logLevel.NOTHING });
const cpu: PassThroughCpu = { parse: 0, produce: 0, commit: 0 };
const consumer = await startPassThrough(kafka, input, output, groupId, 1000, () => process.stdout.write('ready\n'), cpu);
// The bench reads the CPU per stage from this line (µs since start).
process.on('SIGUSR2', () => process.stdout.write(`cpu-stages ${JSON.stringify(cpu)}\n`));
process.once('SIGTERM', () => {
  void consumer.disconnect().then(() => process.exit(0));
});
