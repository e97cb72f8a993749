// Releasing a worker-thread session while a run is still inside onnxruntime must not abort the process.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { createWorkerBackend } from '../../src/inference/worker-backend.js';
import { spinModel } from '../helpers/lifecycle-models.js';

test('dispose during a long run gives up waiting instead of terminating the worker, and the run still answers', async () => {
  const backend = await createWorkerBackend(spinModel(), { intraOpThreads: 1, interOpThreads: 1, allowSpinning: false });
  // NOTE: about 2 µs per iteration: the run outlasts dispose's 5 s wait. Terminating the worker now would abort
  // this very process (onnxruntime-node throws from native code into a dying thread), failing the whole file.
  const run = backend.run({ x: { datatype: 'FP32', shape: [1, 1], data: new Float32Array([1]) }, n: { datatype: 'INT64', shape: [], data: new BigInt64Array([8_000_000n]) } });
  let settled = false;
  void run.finally(() => (settled = true));
  await new Promise((r) => setTimeout(r, 200));
  await backend.dispose();
  assert.equal(settled, false, 'dispose returned while the run was still going (the case under test)');
  assert.deepEqual([...((await run).y.data as Float32Array)], [8_000_001]);
});
