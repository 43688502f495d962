/** Checks of numeric flag values: a value that is not a number is a usage error, never NaN. */
import { WardenError } from '../../errors.js';

/** `value` of `--name` as an integer of at least `min`, or WARDEN_USAGE naming the flag. */
export function intFlag(name: string, value: string, min = 0): number {
  const n = Number(value);
  if (value.trim() === '' || !Number.isSafeInteger(n) || n < min) {
    throw new WardenError('WARDEN_USAGE', `--${name} must be an integer of at least ${min}, not "${value}"`);
  }
  return n;
}

/**
 * Collector of a repeatable option (`--public-key a.pub --public-key b.pub`). A variadic option
 * (`<file...>`) would also swallow the command's positional argument that follows it.
 */
export function collectRepeated(value: string, previous: string[]): string[] {
  return [...previous, value];
}
