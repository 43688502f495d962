/**
 * What a notification says, built once per decision and rendered per target type: Slack Block Kit
 * (slack.ts) or a signed JSON webhook (webhook.ts). Alerts and blocks carry full detail.
 */
import type { Decision, Reason } from '../decisions/decision.js';

export interface NotificationLinks {
  decision: string;
  identity: string;
}

export interface Notification {
  decision: Decision;
  /** Heaviest first, at most `notify.topReasons`. */
  topReasons: Reason[];
  links: NotificationLinks | null;
  /** Repeats of this identity and reason suppressed since the last message. */
  suppressed: { count: number; since: string } | null;
}

/** Console links: `<console.url>/decisions/<id>` and `/identities/<id>`, ids URL-encoded. */
export function consoleLinks(consoleUrl: string | null, decision: Pick<Decision, 'decisionId' | 'identity'>): NotificationLinks | null {
  if (consoleUrl === null) return null;
  const base = consoleUrl.replace(/\/+$/, '');
  return { decision: `${base}/decisions/${encodeURIComponent(decision.decisionId)}`, identity: `${base}/identities/${encodeURIComponent(decision.identity)}` };
}

export function buildNotification(decision: Decision, options: { topReasons: number; consoleUrl: string | null; suppressed?: { count: number; since?: string } }): Notification {
  const topReasons = [...decision.reasons].sort((a, b) => b.weight - a.weight).slice(0, options.topReasons);
  const s = options.suppressed;
  return {
    decision,
    topReasons,
    links: consoleLinks(options.consoleUrl, decision),
    suppressed: s && s.count > 0 ? { count: s.count, since: s.since ?? decision.decidedAt } : null,
  };
}

/** One line for logs, dead letters and Slack's notification text. */
export function headline(n: Notification): string {
  const d = n.decision;
  return `${d.verdict === 'block' ? 'BLOCK' : 'ALERT'} ${d.identity} ${d.action} (risk ${d.score}${d.owner ? `, owner ${d.owner}` : ', no owner'})`;
}
