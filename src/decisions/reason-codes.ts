/**
 * The stable list of reason codes a decision can carry. Codes never change meaning once shipped;
 * docs/reason-codes.md documents each and a test keeps the two lists equal.
 */
export const REASON_CODES = {
  // Identity clarity
  UNKNOWN_IDENTITY: 'The identity is not in the inventory, so no owner is accountable for it.',
  UNOWNED_TOKEN: 'The credential used cannot be tied to the identity or to any owner.',
  SHARED_TOKEN: 'The credential is declared for a different identity than the one using it.',
  UNVERIFIED_OWNER: 'The identity is in the inventory, but its owner is a guess nobody has confirmed yet (`verified: false`, as `warden identities init` drafts it). Low weight and no verdict of its own; raised once per reopen period.',
  // Policy as code
  POLICY_DENY: 'A deny rule matched the action.',
  POLICY_NOT_ALLOWED: 'The action or resource is outside the identity\'s allow-list (least privilege).',
  POLICY_TIME_WINDOW: 'The action happened outside the hours the policy allows.',
  POLICY_SOURCE: 'The request came from a network, country, region or workload the policy does not allow.',
  POLICY_RATE_LIMIT: 'The identity exceeded a policy rate limit.',
  APPROVAL_REQUIRED: 'A policy rule in mode `approve` governs the action: it is refused (block) and an approval request is opened; a grant from that request lets it pass (docs/approvals.md).',
  POLICY_EXCEPTION: 'A policy exception (with expiry and reason) allowed an action that would otherwise be flagged.',
  // Learned baseline
  LEARNING: 'The identity is still in its learning period; anomalies are recorded but weigh less.',
  NEW_ACTION: 'First use of this action by the identity.',
  NEW_SERVICE: 'First use of any action of this service by the identity.',
  NEW_RESOURCE: 'First access to this resource pattern by the identity.',
  NEW_SOURCE_IP: 'A source IP address never seen for this identity.',
  NEW_SOURCE_NETWORK: 'A source /24 (IPv4) or /48 (IPv6) network never seen for this identity.',
  NEW_SOURCE_ASN: 'A source autonomous system never seen for this identity.',
  NEW_SOURCE_COUNTRY: 'A source country never seen for this identity.',
  NEW_REGION: 'A cloud region never used by this identity.',
  NEW_USER_AGENT: 'A user-agent family never seen for this identity.',
  NEW_WORKLOAD: 'A workload never seen running this identity.',
  UNUSUAL_HOUR: 'Activity at an hour of the week when this identity is normally idle.',
  RATE_SPIKE: 'The request rate is far above this identity\'s normal rate.',
  VOLUME_SPIKE: 'Bytes, rows or objects moved are far above this identity\'s normal volume.',
  FAILURE_BURST: 'A burst of failed or denied calls.',
  DENIED_THEN_SUCCESS: 'A call succeeded right after a run of denied attempts (probing for a gap).',
  RARE_SEQUENCE: 'This action rarely or never follows the identity\'s previous action.',
  CONCURRENT_TOKEN_USE: 'The same credential was used from two distant sources at the same time.',
  FIRST_PRIVILEGED: 'First privileged or sensitive action by this identity.',
  ENUMERATION: 'Many distinct new resources or services touched in a short window (reconnaissance).',
  ATTACK_TECHNIQUE: 'The knowledge pack recognises the action (with its request) as a MITRE ATT&CK technique; `technique`, `tactic` and `entry` name it (docs/detections.md). Fires from the first event, learning or not.',
  SLOW_AND_LOW: 'The risk points of many individually quiet events over the last hours add up far above what this identity usually accumulates.',
  DESTRUCTIVE_ACTION: 'A destructive action (delete, drop, truncate) unusual for this identity.',
  OPERATOR_BLOCK: 'An operator blocked this identity by hand.',
  APPROVED: 'A grant in force (an approved request, docs/approvals.md) covers this action: the decision does not block, and `approval` names the request. Weight 0.',
  OPERATOR_FEEDBACK: 'An operator marked a similar decision as benign; the score was lowered.',
  // Learned model
  MODEL_ANOMALY: 'The autoencoder found this combination of features unusual for the identity class.',
  // Degraded operation
  STORE_UNAVAILABLE: 'The baseline store was unavailable; the decision rests on identity, policy and technique knowledge only.',
} as const;

export type ReasonCode = keyof typeof REASON_CODES;

/** Prefix of the reason codes Sigma rules give: `SIGMA:<rule id>`. */
export const SIGMA_PREFIX = 'SIGMA:';

/**
 * Families of reason codes whose second half names the user's own content: the prefix is stable,
 * the rest is an id from the user's files. docs/reason-codes.md documents each.
 */
export const REASON_CODE_FAMILIES = {
  [SIGMA_PREFIX]: 'A Sigma rule (docs/sigma.md) matched the original audit record; the code is `SIGMA:` and the rule\'s `id`, the detail names its title and level, `technique` and `tactic` come from its `attack.*` tags. Weighs as the knowledge pack tier of its level (informational: no weight).',
} as const;

/** A fixed code of REASON_CODES, or one of a documented family (`SIGMA:<rule id>`). */
export function isReasonCode(code: string): code is ReasonCode {
  if (Object.prototype.hasOwnProperty.call(REASON_CODES, code)) return true;
  for (const prefix of Object.keys(REASON_CODE_FAMILIES)) if (code.length > prefix.length && code.startsWith(prefix)) return true;
  return false;
}
