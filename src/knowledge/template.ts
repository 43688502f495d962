/** Detail lines of findings: `{path}` (or `{path|other}`: the first that has a value) placeholders compiled once into readers. */
import type { WardenEvent } from '../events/event.js';
import { compilePath } from './paths.js';
import type { PathReader } from './paths.js';

export type Template = (event: WardenEvent) => string;

const MAX_VALUE = 160;
const MAX_LINE = 400;

function show(values: readonly unknown[]): string {
  if (values.length === 0) return '?';
  const parts = values.slice(0, 3).map((v) => (typeof v === 'string' ? v : (JSON.stringify(v) ?? String(v))));
  let text = parts.join(', ') + (values.length > 3 ? ` (+${values.length - 3})` : '');
  if (text.length > MAX_VALUE) text = `${text.slice(0, MAX_VALUE)}…`;
  return text;
}

/** Compiles a template; returns the unknown placeholder paths instead when there are any. */
export function compileTemplate(text: string): Template | string[] {
  const parts: Array<string | ((e: WardenEvent) => unknown[])> = [];
  const bad: string[] = [];
  let last = 0;
  // `{a|b}`: the first of the paths that has a value.
  for (const m of text.matchAll(/\{([A-Za-z0-9_.@|-]+)\}/g)) {
    parts.push(text.slice(last, m.index));
    const readers = (m[1] ?? '').split('|').map((path) => {
      const read = path.startsWith('.') ? null : compilePath(path);
      if (!read) bad.push(path);
      return read;
    });
    const ok = readers.filter((r): r is PathReader => r !== null);
    if (ok.length === readers.length) {
      parts.push(ok.length === 1 ? (ok[0] as PathReader) : (e) => {
        for (const r of ok) {
          const values = r(e);
          if (values.length > 0) return values;
        }
        return [];
      });
    }
    last = (m.index ?? 0) + m[0].length;
  }
  parts.push(text.slice(last));
  if (bad.length > 0) return bad;
  return (event) => {
    let out = '';
    for (const p of parts) out += typeof p === 'string' ? p : show(p(event));
    return out.length > MAX_LINE ? `${out.slice(0, MAX_LINE)}…` : out;
  };
}
