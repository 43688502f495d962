/** Reads JSON lines files (feedback, labels, profiles) written by Warden's own commands. */
import { createReadStream, existsSync } from 'node:fs';
import { createInterface } from 'node:readline';
import { WardenError } from '../../errors.js';

export async function readJsonLines<T>(file: string): Promise<T[]> {
  if (!existsSync(file)) throw new WardenError('WARDEN_INPUT_NOT_FOUND', `file not found: ${file}`);
  const out: T[] = [];
  const lines = createInterface({ input: createReadStream(file, 'utf8'), crlfDelay: Infinity });
  let n = 0;
  for await (const line of lines) {
    n++;
    if (line.trim() === '') continue;
    try {
      out.push(JSON.parse(line) as T);
    } catch (err) {
      lines.close();
      throw new WardenError('WARDEN_INPUT_INVALID', `${file}:${n}: not a JSON line (${(err as Error).message})`, { cause: err });
    }
  }
  return out;
}
