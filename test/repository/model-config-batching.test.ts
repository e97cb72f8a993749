// model.yaml `batching`: strict validation, and how it combines with the server's defaults.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { batcherSettings } from '../../src/inference/version-batchers.js';
import { ModelVersion } from '../../src/registry/model-version.js';
import { ModelConfigSchema } from '../../src/repository/model-config.js';
import type { InferenceBackend } from '../../src/inference/backend.js';

describe('model.yaml batching', () => {
  const cases: [string, unknown, boolean][] = [
    ['absent', {}, true],
    ['every field', { maxBatchSize: 16, maxQueueDelayMs: 2, preferredBatchSizes: [4, 8], maxQueueSize: 64, timeoutMs: 500 }, true],
    ['a typo', { maxBatchSze: 16 }, false],
    ['a zero batch size', { maxBatchSize: 0 }, false],
    ['a negative delay', { maxQueueDelayMs: -1 }, false],
    ['a preferred size above the maximum', { maxBatchSize: 8, preferredBatchSizes: [16] }, false],
    ['a zero timeout', { timeoutMs: 0 }, false],
  ];
  for (const [what, batching, ok] of cases) {
    test(`${ok ? 'accepts' : 'rejects'} ${what}`, () => {
      assert.equal(ModelConfigSchema.safeParse({ batching }).success, ok);
    });
  }
});

describe('batcherSettings', () => {
  const defaults = { maxBatchSize: 32, maxQueueDelayMs: 0, maxQueueSize: 1024, timeoutMs: 30_000 };
  const version = (batching: unknown, shape = [-1, 4]) => {
    const v = new ModelVersion('m', 1, ModelConfigSchema.parse({ batching }));
    const spec = { name: 'x', datatype: 'FP32' as const, shape };
    v.backend = { signature: { inputs: [spec], outputs: [spec] } } as unknown as InferenceBackend;
    return v;
  };

  test('model.yaml wins over the server defaults, field by field', () => {
    assert.deepEqual(batcherSettings(version({ maxBatchSize: 8, timeoutMs: 100 }), defaults), {
      batchable: true, maxBatchSize: 8, maxQueueDelayMs: 0, preferredBatchSizes: [], maxQueueSize: 1024, timeoutMs: 100,
    });
  });

  test('merging is off for a fixed first dimension or a maximum of 1; the queue and deadline still apply', () => {
    assert.equal(batcherSettings(version({}, [2, 4]), defaults).batchable, false);
    assert.equal(batcherSettings(version({ maxBatchSize: 1 }), defaults).batchable, false);
    assert.equal(batcherSettings(version({ maxBatchSize: 1 }), defaults).maxQueueSize, 1024);
  });

  test('preferred sizes above a server-default maximum are dropped', () => {
    assert.deepEqual(batcherSettings(version({ preferredBatchSizes: [8, 64] }), defaults).preferredBatchSizes, [8]);
  });
});
