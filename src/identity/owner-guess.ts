/**
 * Guesses who owns a machine identity from what its events show: an owner or team tag, a team
 * name inside the identity's name, the Kubernetes namespace of a service account, the GitHub
 * organisation of an app or token, an IAM role path, and as a last resort the cloud account or
 * project it lives in. A guess is a starting point for a person to confirm (`verified: false` in
 * the drafted inventory), never an answer; `how` says what it rests on so the reviewer can judge.
 * Pure: strings in, a guess out.
 */

/** What the events of one identity showed that can point at an owner. */
export interface OwnerEvidence {
  /** The normalized identity id (an ARN, `system:serviceaccount:ns:name`, an e-mail, a login…). */
  id: string;
  type?: string | undefined;
  /** Owner/team tags seen on the events (`attributes.tags`), most frequent first. */
  tags?: readonly string[];
  /** AWS accounts (`attributes.account`), most frequent first. */
  accounts?: readonly string[];
  /** GCP projects (`attributes.project`), most frequent first. */
  projects?: readonly string[];
  /** GitHub organisations (`attributes.org`), most frequent first. */
  orgs?: readonly string[];
}

export interface OwnerGuess {
  owner: string;
  /** How the guess was made, for the YAML comment beside the entry. */
  how: string;
  /** How much the guess says: a tag or team name names a team; an account only narrows it down. */
  strength: 'tag' | 'name' | 'place' | 'none';
}

/** The owner written when nothing points at one; the entry still makes the identity known. */
export const UNASSIGNED_OWNER = 'unassigned';

// `team-payments-deployer`, `payments-team-ci`, `svc_team_data.loader`: the word `team` and the
// name part beside it. The part after `team` is preferred (`team-x`), the part before (`x-team`)
// next, and neither counts when it is a word that names a job or a place, not a team.
const TEAM_AFTER = /(?:^|[^a-z0-9])team[-_.]([a-z0-9]+)(?=$|[^a-z0-9])/gi;
const TEAM_BEFORE = /(?:^|[^a-z0-9])([a-z0-9]+)[-_.]team(?=$|[^a-z0-9])/gi;
const NOT_A_TEAM = new Set([
  'ci', 'cd', 'bot', 'svc', 'sa', 'service', 'role', 'user', 'admin', 'app', 'deploy', 'deployer', 'runner', 'job', 'jobs',
  'prod', 'production', 'dev', 'stage', 'staging', 'test', 'qa', 'read', 'write', 'readonly', 'rw', 'ro', 'access', 'account',
]);

function teamWord(part: string, pattern: RegExp): string | null {
  for (const m of part.matchAll(pattern)) {
    const word = m[1]!.toLowerCase();
    if (!NOT_A_TEAM.has(word) && !/^\d+$/.test(word)) return word;
  }
  return null;
}

/** The part of an id that carries its name: an ARN's resource path, an e-mail's local part. */
export function nameParts(id: string): string[] {
  const arn = /^arn:aws[a-z-]*:(?:iam|sts)::[^:]*:(?:role|user|assumed-role|federated-user)\/(.+)$/.exec(id);
  if (arn) return arn[1]!.split('/');
  const sa = /^system:serviceaccount:([^:]+):(.+)$/.exec(id);
  if (sa) return [sa[2]!];
  const at = id.indexOf('@');
  if (at > 0) return [id.slice(0, at)];
  return [id.replace(/\[bot\]$/, '')];
}

function teamIn(parts: readonly string[]): string | null {
  for (const part of [...parts].reverse()) {
    const word = teamWord(part, TEAM_AFTER) ?? teamWord(part, TEAM_BEFORE);
    if (word) return `team-${word}`;
  }
  return null;
}

/** An IAM path such as `role/payments/deployer` names a team; AWS's own paths do not. */
function iamPath(id: string): string | null {
  const m = /^arn:aws[a-z-]*:iam::[^:]*:(?:role|user)\/([^/]+)\/.+$/.exec(id);
  if (!m) return null;
  const first = m[1]!;
  return first === 'aws-reserved' || first === 'aws-service-role' || first === 'service-role' ? null : first;
}

function awsAccountOf(e: OwnerEvidence): string | null {
  return /^arn:aws[a-z-]*:(?:iam|sts)::(\d{12}):/.exec(e.id)?.[1] ?? e.accounts?.[0] ?? null;
}

function gcpProjectOf(e: OwnerEvidence): string | null {
  return /@([a-z][a-z0-9-]+)\.iam\.gserviceaccount\.com$/.exec(e.id)?.[1] ?? e.projects?.[0] ?? null;
}

export function guessOwner(e: OwnerEvidence): OwnerGuess {
  const tag = e.tags?.[0];
  if (tag) return { owner: tag, how: `owner tag "${tag}" on its events`, strength: 'tag' };

  const service = /^arn:aws[a-z-]*:iam::[^:]*:role\/aws-service-role\/([^/]+)\.amazonaws\.com\//.exec(e.id);
  if (service) return { owner: `aws-service:${service[1]}`, how: `AWS service-linked role of ${service[1]} (managed by AWS; own it as the team using ${service[1]})`, strength: 'place' };

  const team = teamIn(nameParts(e.id));
  if (team) return { owner: team, how: `team name in the identity's name`, strength: 'name' };

  const sa = /^system:serviceaccount:([^:]+):/.exec(e.id);
  if (sa) return { owner: sa[1]!, how: `Kubernetes namespace ${sa[1]} of the service account`, strength: 'place' };

  const path = iamPath(e.id);
  if (path) return { owner: path, how: `IAM path /${path}/ of the ${e.id.includes(':user/') ? 'user' : 'role'}`, strength: 'place' };

  const org = e.orgs?.[0];
  if (org) {
    const what = e.id.endsWith('[bot]') || e.id.startsWith('github-app:') ? 'GitHub app' : 'GitHub actor';
    return { owner: `github-org:${org}`, how: `${what} acting in the GitHub organisation ${org}`, strength: 'place' };
  }
  if (e.id.endsWith('[bot]')) return { owner: `github-app:${e.id.slice(0, -5)}`, how: 'GitHub app (no organisation in its events)', strength: 'place' };

  const project = gcpProjectOf(e);
  if (project && (e.type === 'service_account' || /\.gserviceaccount\.com$/.test(e.id))) return { owner: `gcp-project:${project}`, how: `GCP project ${project} of the service account`, strength: 'place' };

  const account = awsAccountOf(e);
  if (account) return { owner: `aws-account:${account}`, how: `AWS account ${account} (last resort: no team, tag or path in the name)`, strength: 'place' };
  if (project) return { owner: `gcp-project:${project}`, how: `GCP project ${project} its calls went to (last resort)`, strength: 'place' };

  return { owner: UNASSIGNED_OWNER, how: 'none, nothing in its name or events points at an owner; fill it in', strength: 'none' };
}
