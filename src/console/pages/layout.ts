/** The frame every console page shares (navigation, who is signed in), and the login page. */
import { html } from '../html.js';
import type { Html, HtmlValue } from '../html.js';
import type { Principal } from '../auth.js';
import type { Verdict } from '../../decisions/decision.js';

export interface PageFrame {
  title: string;
  principal: Principal;
  csrf: string;
  /** Which navigation entry is highlighted. */
  current: 'live' | 'fleet' | 'blocks' | 'health' | 'identity' | 'decision';
}

const NAV: Array<[PageFrame['current'], string, string]> = [
  ['live', '/', 'Live'],
  ['fleet', '/fleet', 'Fleet'],
  ['blocks', '/blocks', 'Blocks'],
  ['health', '/health', 'Health'],
];

function document(title: string, body: HtmlValue): Html {
  return html`<!doctype html><html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1"><title>${title} · Warden console</title><link rel="stylesheet" href="/assets/console.css"></head><body>${body}</body></html>`;
}

export function page(frame: PageFrame, body: HtmlValue): Html {
  const nav = NAV.map(([key, href, label]) => html`<a href="${href}" class="${key === frame.current ? 'here' : ''}">${label}</a>`);
  const logout = frame.principal.via === 'session' ? html`<form method="post" action="/logout"><input type="hidden" name="csrf" value="${frame.csrf}"><button type="submit">sign out</button></form>` : '';
  return document(
    frame.title,
    html`<header class="top"><span class="brand">Warden</span>${nav}<span class="who">${frame.principal.name} · ${frame.principal.role}</span>${logout}</header><main>${body}</main><script src="/assets/console.js"></script>`,
  );
}

export function loginPage(next: string, error: string | null, tokensAccepted: boolean): Html {
  const form = tokensAccepted
    ? html`<form method="post" action="/login"><label for="token">Console token</label><input id="token" name="token" type="password" autocomplete="current-password" required autofocus><input type="hidden" name="next" value="${next}"><button type="submit">Sign in</button></form>`
    : html`<p>This console authenticates through its reverse proxy; open it through the proxy.</p>`;
  return document('Sign in', html`<main class="login"><section class="card"><h1>Warden console</h1>${error ? html`<p class="error">${error}</p>` : ''}${form}</section></main>`);
}

export function verdictBadge(verdict: Verdict | string): Html {
  const cls = verdict === 'block' || verdict === 'alert' ? verdict : 'allow';
  return html`<span class="verdict verdict-${cls}">${verdict}</span>`;
}

export function identityLink(id: string): Html {
  return html`<a href="/identities/${encodeURIComponent(id)}">${id}</a>`;
}

export function decisionLink(id: string, text?: string): Html {
  return html`<a href="/decisions/${encodeURIComponent(id)}">${text ?? id}</a>`;
}

export function when(ms: number | null | undefined): string {
  return ms === null || ms === undefined || !Number.isFinite(ms) || ms <= 0 ? '—' : new Date(ms).toISOString().replace('T', ' ').slice(0, 19);
}
