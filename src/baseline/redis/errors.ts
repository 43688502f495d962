/** Every Redis failure becomes a typed WardenError here, and only here. */
import { WardenError } from '../../errors.js';

const CONNECTION = /ECONNREFUSED|ECONNRESET|ETIMEDOUT|EPIPE|ENOTFOUND|Connection is closed|MaxRetriesPerRequest|Stream isn't writeable|LOADING|READONLY|CLUSTERDOWN|TRYAGAIN|MOVED|ASK \d|Failed to refresh slots cache|None of startup nodes is available|Command timed out/i;

export function storeError(err: unknown, operation: string): WardenError {
  if (err instanceof WardenError) return err;
  const message = err instanceof Error ? err.message : String(err);
  if (CONNECTION.test(message)) {
    return new WardenError('WARDEN_STORE_UNAVAILABLE', `baseline store unavailable during ${operation}: ${message}`, { retriable: true, cause: err });
  }
  return new WardenError('WARDEN_STORE_SCRIPT', `baseline store ${operation} failed: ${message}`, { cause: err });
}
