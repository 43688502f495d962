/** A notification as a Slack incoming-webhook payload (Block Kit, with a plain-text fallback). */
import type { Notification } from './message.js';
import { headline } from './message.js';

/** Slack mrkdwn treats &, < and > as control characters. */
function esc(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}

function cut(text: string, max: number): string {
  return text.length <= max ? text : `${text.slice(0, max - 1)}…`;
}

export function slackPayload(n: Notification): Record<string, unknown> {
  const d = n.decision;
  const blocks: Array<Record<string, unknown>> = [
    { type: 'header', text: { type: 'plain_text', text: cut(`${d.verdict === 'block' ? 'Warden blocked' : 'Warden alert:'} ${d.identity}`, 150) } },
    {
      type: 'section',
      fields: [
        { type: 'mrkdwn', text: `*Identity*\n${cut(esc(d.identity), 1900)}` },
        { type: 'mrkdwn', text: `*Verdict*\n${d.verdict}${d.mode === 'shadow' ? ' (shadow)' : ''}` },
        { type: 'mrkdwn', text: `*Risk*\n${d.score}/100` },
        { type: 'mrkdwn', text: `*Owner*\n${d.owner === null ? '_none_' : esc(d.owner)}` },
        { type: 'mrkdwn', text: `*Action*\n\`${cut(esc(d.action), 1900)}\`` },
        { type: 'mrkdwn', text: `*Resource*\n${d.resource === null ? '_none_' : cut(esc(d.resource), 1900)}` },
      ],
    },
  ];
  if (n.topReasons.length > 0) {
    const lines = n.topReasons.map((r) => `• \`${r.code}\` (+${r.weight}) ${esc(r.detail)}`);
    blocks.push({ type: 'section', text: { type: 'mrkdwn', text: cut(`*Top reasons*\n${lines.join('\n')}`, 3000) } });
  }
  const context = [`decision \`${esc(d.decisionId)}\` · event time ${d.eventTime}${d.degraded ? ' · decided without the baseline store' : ''}`];
  if (n.suppressed) context.push(`${n.suppressed.count} similar ${n.suppressed.count === 1 ? 'notification' : 'notifications'} for this identity and reason suppressed since ${n.suppressed.since}`);
  blocks.push({ type: 'context', elements: context.map((text) => ({ type: 'mrkdwn', text: cut(text, 3000) })) });
  if (n.links) {
    blocks.push({
      type: 'actions',
      elements: [
        { type: 'button', text: { type: 'plain_text', text: 'Open decision' }, url: n.links.decision, ...(d.verdict === 'block' ? { style: 'danger' } : {}) },
        { type: 'button', text: { type: 'plain_text', text: 'Open identity' }, url: n.links.identity },
      ],
    });
  }
  const suffix = n.suppressed ? ` (+${n.suppressed.count} suppressed)` : '';
  return { text: cut(`${headline(n)}${suffix}`, 3000), blocks };
}
