/** What a credential id says about itself, for the inventory and the clarity findings. */

/**
 * AWS temporary credentials (STS session keys, `ASIA…`) are minted per session for a principal
 * and expire; nobody can list them in an inventory ahead of time. STS itself binds them to the
 * identity that assumed the role, so they are never "unowned" and never worth declaring.
 */
export function isTemporaryToken(token: string): boolean {
  return /^ASIA[A-Z0-9]{12,}$/.test(token);
}
