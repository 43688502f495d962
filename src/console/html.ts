/**
 * Server-side HTML with escaping by default: every `${value}` in an `html` template is escaped
 * unless it is itself `Html` (made by `html` or, for markup built here from trusted parts, `raw`).
 * Every event field is attacker-controlled, so nothing else may produce markup.
 */

const ESCAPES: Record<string, string> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;', '`': '&#96;' };
const SPECIAL = /[&<>"'`]/g;

/** Markup that is safe to send as is. */
export class Html {
  constructor(readonly text: string) {}
  toString(): string {
    return this.text;
  }
}

export function escapeHtml(value: string): string {
  return value.replace(SPECIAL, (c) => ESCAPES[c] ?? c);
}

/** Values an `html` template accepts; arrays are joined, null/undefined/false render nothing. */
export type HtmlValue = Html | string | number | boolean | null | undefined | readonly HtmlValue[];

function render(value: HtmlValue): string {
  if (value === null || value === undefined || value === false) return '';
  if (value instanceof Html) return value.text;
  if (Array.isArray(value)) return (value as readonly HtmlValue[]).map(render).join('');
  return escapeHtml(String(value));
}

export function html(strings: TemplateStringsArray, ...values: HtmlValue[]): Html {
  let out = strings[0] ?? '';
  for (let i = 0; i < values.length; i++) out += render(values[i]) + (strings[i + 1] ?? '');
  return new Html(out);
}

/** Markup assembled in this module's callers from numbers and constants only (SVG paths). */
export function raw(text: string): Html {
  return new Html(text);
}
