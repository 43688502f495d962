/**
 * tfjs backend choice: tfjs-node (native TensorFlow) when it is installed, else WebAssembly,
 * else the plain JS cpu backend. Selected once per process; the name is logged and returned so
 * the pipeline can show it in /metrics (`warden_model_info{backend}`).
 */
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import * as tf from '@tensorflow/tfjs';
import type { Logger } from '../observability/logger.js';
import { silentLogger } from '../observability/logger.js';

export type BackendName = 'tensorflow' | 'wasm' | 'cpu';

export interface SelectBackendOptions {
  logger?: Logger;
  /** Force one backend (tests, benchmarks); otherwise the best available is taken. */
  prefer?: BackendName;
}

let selected: Promise<BackendName> | null = null;
let selectedPreference: BackendName | undefined;

async function tryNode(): Promise<boolean> {
  // A variable specifier: tfjs-node is optional and TypeScript must not require it to be installed.
  const specifier = '@tensorflow/tfjs-node';
  try {
    await import(specifier);
    return await tf.setBackend('tensorflow');
  } catch {
    return false;
  }
}

async function tryWasm(): Promise<boolean> {
  try {
    const wasm = await import('@tensorflow/tfjs-backend-wasm');
    // The wasm binaries ship in the package's dist/; in Node tfjs reads them from a file path.
    const require = createRequire(import.meta.url);
    const dist = join(dirname(require.resolve('@tensorflow/tfjs-backend-wasm/package.json')), 'dist');
    wasm.setWasmPaths(`${dist}/`);
    return await tf.setBackend('wasm');
  } catch {
    return false;
  }
}

async function choose(prefer: BackendName | undefined): Promise<BackendName> {
  const order: BackendName[] = prefer ? [prefer, 'tensorflow', 'wasm', 'cpu'] : ['tensorflow', 'wasm', 'cpu'];
  for (const name of order) {
    const ok = name === 'tensorflow' ? await tryNode() : name === 'wasm' ? await tryWasm() : await tf.setBackend('cpu');
    if (ok) {
      await tf.ready();
      return name;
    }
  }
  throw new Error('no tfjs backend could be initialised');
}

/**
 * Selects (once) and returns the tfjs backend in use. Later calls return the same choice, unless a
 * different `prefer` is given, which switches the process-wide backend (benchmarks compare them).
 */
export async function selectBackend(options: SelectBackendOptions = {}): Promise<BackendName> {
  const logger = options.logger ?? silentLogger;
  if (selected === null || (options.prefer !== undefined && options.prefer !== selectedPreference)) {
    selectedPreference = options.prefer;
    selected = choose(options.prefer);
    const name = await selected;
    logger.info({ backend: name, preferred: options.prefer ?? null }, `tfjs backend: ${name}`);
    return name;
  }
  return selected;
}
