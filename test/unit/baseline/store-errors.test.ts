import { describe, expect, it } from 'vitest';
import { storeError } from '../../../src/baseline/redis/errors.js';

describe('storeError', () => {
  it.each(['connect ECONNREFUSED 127.0.0.1:6379', 'Connection is closed.', "Stream isn't writeable and enableOfflineQueue options is false", 'Command timed out', 'LOADING Redis is loading the dataset in memory', 'CLUSTERDOWN The cluster is down', 'MOVED 3999 127.0.0.1:7006', 'Failed to refresh slots cache.'])(
    '"%s" means the store is unavailable (decisions follow failMode)',
    (message) => {
      const err = storeError(new Error(message), 'apply');
      expect(err.code).toBe('WARDEN_STORE_UNAVAILABLE');
      expect(err.retriable).toBe(true);
      expect(err.message).toContain('during apply');
    },
  );

  it('a script error is not an outage: it is reported as such and not retried as one', () => {
    const err = storeError(new Error('ERR Error running script (call to f_x): @user_script:12: bad argument'), 'apply');
    expect(err.code).toBe('WARDEN_STORE_SCRIPT');
    expect(err.retriable).toBe(false);
  });
});
