/** Durations in policy files: `30s`, `5m`, `1h`, `1d` (a number with one unit). */
const UNIT_MS: Record<string, number> = { ms: 1, s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000 };

/** Returns milliseconds, or null when the text is not a positive duration. */
export function parseDuration(text: string): number | null {
  const m = /^(\d+(?:\.\d+)?)(ms|s|m|h|d)$/.exec(text.trim());
  if (!m) return null;
  const ms = Number(m[1]) * (UNIT_MS[m[2] ?? ''] ?? 0);
  return ms > 0 ? ms : null;
}
