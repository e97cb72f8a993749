// Backend `auto`: in-process for fast models, a worker thread for slow ones, decided from runs measured at load.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { createAutoBackend, medianRunMs } from '../../src/inference/auto-backend.js';
import { createOrtBackend } from '../../src/inference/ort-backend.js';
import { DEFAULT_MODELS } from '../helper.js';

const OPTIONS = { intraOpThreads: 1, interOpThreads: 1, allowSpinning: false };
const iris = () => readFileSync(join(DEFAULT_MODELS, 'iris', '2', 'model.onnx'));
const row = { features: { datatype: 'FP32' as const, shape: [1, 4], data: new Float32Array([5.1, 3.5, 1.4, 0.2]) } };

test('a model faster than the threshold stays in-process; one slower moves to a worker with the same outputs', async () => {
  const fast = await createAutoBackend(60_000)(iris(), OPTIONS);
  const slow = await createAutoBackend(0)(iris(), OPTIONS);
  try {
    assert.equal(fast.kind, 'inprocess');
    assert.equal(slow.kind, 'worker');
    assert.deepEqual(await slow.run(row), await fast.run(row));
  } finally {
    await fast.dispose();
    await slow.dispose();
  }
});

test('the measurement is a positive median of timed runs', async () => {
  const backend = await createOrtBackend(iris(), OPTIONS);
  try {
    const ms = await medianRunMs(backend);
    assert.ok(ms > 0 && Number.isFinite(ms));
  } finally {
    await backend.dispose();
  }
});

test('a negative threshold is rejected when the factory is made', () => {
  assert.throws(() => createAutoBackend(-1), /thresholdMs/);
});
