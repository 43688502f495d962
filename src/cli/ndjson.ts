/** Reads JSON lines files (feedback, labels, profiles) written by Warden's own commands. */
import { createReadStream, existsSync } from 'node:fs';
import { createInterface } from 'node:readline';
import { WardenError } from '../errors.js';

export async function readJsonLines<T>(file: string): Promise<T[]> {
  if (!existsSync(file)) throw new WardenError('WARDEN_INPUT_NOT_FOUND', `file not found: ${file}`);
  const out: T[] = [];
  const lines = createInterface({ input: createReadStream(file, 'utf8'), crlfDelay: Infinity });
  for await (const line of lines) if (line.trim() !== '') out.push(JSON.parse(line) as T);
  return out;
}
