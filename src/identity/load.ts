/** Reads the inventory file; parsing and matching stay pure in `inventory.ts`. */
import { readFileSync } from 'node:fs';
import { WardenError } from '../errors.js';
import { parseInventory } from './inventory.js';
import type { Inventory } from './inventory.js';

export function loadInventory(file: string): Inventory {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (cause) {
    throw new WardenError('WARDEN_INPUT_NOT_FOUND', `identity inventory not readable: ${file} (set --identities or identity.inventory)`, { cause });
  }
  return parseInventory(text, file);
}
