import { describe, expect, it } from 'vitest';
import { parseConfig } from '../../../src/config/load.js';
import { silentLogger } from '../../../src/observability/logger.js';
import { openModelStage } from '../../../src/pipeline/model-stage.js';

describe('model stage', () => {
  it('is absent while model.enabled is false', async () => {
    expect(await openModelStage(parseConfig('{}', 'defaults'), silentLogger)).toBeNull();
  });

  it('serves the shipped default model with its version and backend when enabled', async () => {
    const stage = await openModelStage(parseConfig('model:\n  enabled: true\n', 'warden.yaml'), silentLogger, { watch: false });
    try {
      expect(stage?.port.version).toMatch(/^ae-\d{8}-[0-9a-f]{8}$/);
      expect(['tensorflow', 'wasm', 'cpu']).toContain(stage?.port.backend);
    } finally {
      await stage?.holder.dispose();
    }
  });

  it('refuses to start on a model directory that does not hold a model', async () => {
    await expect(openModelStage(parseConfig('model:\n  enabled: true\n  path: docs\n', 'warden.yaml'), silentLogger)).rejects.toMatchObject({ code: 'WARDEN_MODEL_INVALID' });
  });
});
