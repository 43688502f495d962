import type { Command } from 'commander';
import { WardenError } from '../../errors.js';
import { selectBackend } from '../../model/backend.js';
import type { BackendName } from '../../model/backend.js';
import { buildModel } from '../../model/build.js';
import { readAttackIds, readEvents } from '../../model/training-data.js';
import { writeModel } from '../../model/write.js';
import { loadInventory } from '../../identity/load.js';
import { createIdentityResolver } from '../../identity/resolver.js';
import type { WardenEvent } from '../../events/event.js';

interface TrainFlags {
  input: string;
  labels?: string;
  identities?: string;
  format: string;
  out: string;
  epochs: string;
  batchSize: string;
  seed: string;
  validation: string;
  patience: string;
  minClassRows: string;
  backend?: string;
}

function int(name: string, value: string, min: number): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n < min) throw new WardenError('WARDEN_USAGE', `--${name} must be an integer ≥ ${min}, got ${value}`);
  return n;
}

/** Classes from the inventory when one is given: the pipeline ranks events against the same ones. */
function classing(file: string | undefined): { classOf?: (e: WardenEvent) => string | null; classBy?: string } {
  if (file === undefined) return {};
  const resolver = createIdentityResolver(loadInventory(file), { unknownIdentity: 'alert' });
  return { classOf: (e) => resolver.resolve(e).class, classBy: `inventory ${file}` };
}

export function registerTrainCommand(program: Command): void {
  program
    .command('train')
    .description('train the autoencoder on benign history and write a model directory (meta.json + weights.json)')
    .requiredOption('-i, --input <file>', 'NDJSON of native Warden events (e.g. the simulator\'s events.jsonl)')
    .option('--labels <file>', 'NDJSON labels ({eventId, attack}); events labelled as attacks are left out of training')
    .option('--identities <file>', 'identity inventory: per-class thresholds use its classes (default: the events\' identity.type)')
    .option('--format <format>', 'input format (only the native format, warden, for now)', 'warden')
    .requiredOption('-o, --out <dir>', 'model directory to write, e.g. models/NAME')
    .option('--epochs <n>', 'maximum epochs (early stopping usually ends sooner)', '100')
    .option('--batch-size <n>', 'mini-batch size', '256')
    .option('--seed <n>', 'seed of the initialisers, split and shuffles', '1')
    .option('--validation <share>', 'share of events held out for early stopping', '0.1')
    .option('--patience <n>', 'epochs without validation improvement before stopping', '5')
    .option('--min-class-rows <n>', 'events an identity class needs for its own thresholds', '500')
    .option('--backend <name>', 'tfjs backend: tensorflow, wasm or cpu (default: best available)')
    .action(async (opts: TrainFlags) => {
      if (opts.format !== 'warden') throw new WardenError('WARDEN_USAGE', `--format ${opts.format}: training reads native Warden events; normalize other formats first`);
      const validationFraction = Number(opts.validation);
      if (!(validationFraction > 0 && validationFraction < 0.5)) throw new WardenError('WARDEN_USAGE', '--validation must be between 0 and 0.5');
      if (opts.backend !== undefined && !['tensorflow', 'wasm', 'cpu'].includes(opts.backend)) throw new WardenError('WARDEN_USAGE', '--backend must be tensorflow, wasm or cpu');
      const backend = await selectBackend(opts.backend ? { prefer: opts.backend as BackendName } : {});

      const all = await readEvents(opts.input, (n) => process.stderr.write(`read ${n} events…\n`));
      const attacks = opts.labels ? await readAttackIds(opts.labels) : new Set<string>();
      const events = attacks.size > 0 ? all.filter((e) => !attacks.has(e.id)) : all;
      process.stderr.write(`${all.length} events read, ${all.length - events.length} attack events dropped, training on ${events.length} (backend ${backend})\n`);

      const started = Date.now();
      const artifact = await buildModel(
        { events, input: opts.input, droppedAttackEvents: all.length - events.length, ...classing(opts.identities) },
        {
          epochs: int('epochs', opts.epochs, 1),
          batchSize: int('batch-size', opts.batchSize, 1),
          seed: int('seed', opts.seed, 0),
          patience: int('patience', opts.patience, 1),
          minClassRows: int('min-class-rows', opts.minClassRows, 1),
          validationFraction,
          onEpoch: (e) => {
            const secs = ((Date.now() - started) / 1000).toFixed(0);
            process.stderr.write(`epoch ${e.epoch}/${e.epochs}  loss ${e.trainLoss.toExponential(3)}  val ${e.validationLoss.toExponential(3)}${e.best ? '  *best' : ''}  ${secs}s\n`);
          },
        },
      );
      await writeModel(opts.out, artifact);
      const m = artifact.meta;
      const g = m.thresholds.global;
      console.log(`model ${m.version} written to ${opts.out}`);
      console.log(`  ${m.training.events} events, ${m.training.identities} identities, ${m.training.from} … ${m.training.to}`);
      console.log(`  best epoch ${m.training.bestEpoch}/${m.training.epochs}, validation loss ${m.training.validationLoss.toExponential(3)}`);
      console.log(`  benign reconstruction error p50 ${g.p50.toExponential(2)}  p90 ${g.p90.toExponential(2)}  p99 ${g.p99.toExponential(2)}  p99.9 ${g.p999.toExponential(2)}`);
      console.log(`  classes with own thresholds: ${Object.keys(m.thresholds.classes).join(', ') || 'none (global only)'}`);
    });
}
