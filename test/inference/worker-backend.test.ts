// The worker-thread backend gives exactly the in-process backend's outputs, and fails cleanly.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { createOrtBackend } from '../../src/inference/ort-backend.js';
import { zeroInputs } from '../../src/inference/warmup.js';
import { createWorkerBackend } from '../../src/inference/worker-backend.js';
import type { Tensor } from '../../src/inference/tensor.js';
import { fixtureRepository } from '../helper.js';
import { GOOD_FIXTURES } from '../helpers/fixture-models.js';

const OPTIONS = { intraOpThreads: 1, interOpThreads: 1, allowSpinning: false };

/** Deterministic non-zero inputs shaped like the signature (dynamic dims = 3). */
function sampleInputs(zeros: Record<string, Tensor>): Record<string, Tensor> {
  const out: Record<string, Tensor> = {};
  for (const [name, t] of Object.entries(zeros)) {
    const data = Array.isArray(t.data)
      ? t.data.map((_, i) => `s${i}`)
      : (t.data as Float32Array).map((_, i) => (typeof t.data[0] === 'bigint' ? (BigInt(i + 1) as never) : ((i % 2) as never)));
    out[name] = { ...t, data };
  }
  return out;
}

test('every fixture model gives identical outputs from the worker and the in-process backend', async () => {
  const repo = await fixtureRepository();
  for (const fixture of GOOD_FIXTURES) {
    const bytes = readFileSync(join(repo, fixture.name, String(fixture.versions[0]), 'model.onnx'));
    const inproc = await createOrtBackend(bytes, OPTIONS);
    const worker = await createWorkerBackend(bytes, OPTIONS);
    try {
      assert.deepEqual(worker.signature, inproc.signature, fixture.name);
      const inputs = sampleInputs(zeroInputs(inproc, 3));
      const [a, b] = [await inproc.run(inputs), await worker.run(inputs)];
      assert.deepEqual(b, a, fixture.name);
    } finally {
      await inproc.dispose();
      await worker.dispose();
    }
  }
});

test('the caller keeps its input buffers: the worker gets copies', async () => {
  const repo = await fixtureRepository();
  const worker = await createWorkerBackend(readFileSync(join(repo, 'classifier', '1', 'model.onnx')), OPTIONS);
  try {
    const data = new Float32Array([1, 2, 3, 4]);
    await worker.run({ x: { datatype: 'FP32', shape: [1, 4], data } });
    assert.deepEqual(Array.from(data), [1, 2, 3, 4]);
  } finally {
    await worker.dispose();
  }
});

test('concurrent runs on one worker each get their own answer', async () => {
  const repo = await fixtureRepository();
  const worker = await createWorkerBackend(readFileSync(join(repo, 'scalar', '1', 'model.onnx')), OPTIONS);
  try {
    const results = await Promise.all(
      Array.from({ length: 50 }, (_, i) => worker.run({ x: { datatype: 'FP32', shape: [], data: new Float32Array([i]) } })),
    );
    assert.deepEqual(results.map((r) => (r.y.data as Float32Array)[0]), Array.from({ length: 50 }, (_, i) => i * 2));
  } finally {
    await worker.dispose();
  }
});

test('a model that fails to load in the worker rejects creation; runtime errors reject the run only', async () => {
  await assert.rejects(createWorkerBackend(new TextEncoder().encode('not a model'), OPTIONS));
  const repo = await fixtureRepository();
  const worker = await createWorkerBackend(readFileSync(join(repo, 'fixed', '1', 'model.onnx')), OPTIONS);
  try {
    await assert.rejects(worker.run({ x: { datatype: 'FP32', shape: [3, 3], data: new Float32Array(9) } }));
    const ok = await worker.run({ x: { datatype: 'FP32', shape: [2, 3], data: new Float32Array([-1, 2, -3, 4, -5, 6]) } });
    assert.deepEqual(Array.from(ok.y.data as Float32Array), [0, 2, 0, 4, 0, 6]);
  } finally {
    await worker.dispose();
  }
});

test('with transferInputs, arrays owning their whole buffer move to the worker and views are copied', async () => {
  const repo = await fixtureRepository();
  const worker = await createWorkerBackend(readFileSync(join(repo, 'multi-io', '1', 'model.onnx')), OPTIONS);
  try {
    const pooled = new Float32Array(new ArrayBuffer(64), 16, 3).fill(2);
    const owned = new Float32Array([1, 2, 3]);
    const out = await worker.run({ a: { datatype: 'FP32', shape: [1, 3], data: owned }, b: { datatype: 'FP32', shape: [1, 3], data: pooled }, k: { datatype: 'INT64', shape: [1, 1], data: new BigInt64Array([4n]) } }, undefined, { transferInputs: true });
    assert.equal(owned.length, 0, 'moved: the caller gave it up');
    assert.deepEqual(Array.from(pooled), [2, 2, 2], 'a view into a larger buffer is copied, never detached');
    assert.deepEqual(Array.from(out.sum.data as Float32Array), [3, 4, 5]);
  } finally {
    await worker.dispose();
  }
});

test('batches merged for the worker give the in-process backend\'s unbatched outputs', async () => {
  const { Batcher } = await import('../../src/inference/batcher.js');
  const repo = await fixtureRepository();
  const bytes = readFileSync(join(repo, 'all-types', '1', 'model.onnx'));
  const inproc = await createOrtBackend(bytes, OPTIONS);
  const worker = await createWorkerBackend(bytes, OPTIONS);
  try {
    const batcher = new Batcher('all-types', (i, o, opts) => worker.run(i, o, opts), { batchable: true, maxBatchSize: 32, maxQueueDelayMs: 0, preferredBatchSizes: [], maxQueueSize: 32, timeoutMs: 30_000 });
    const requests = [1, 2, 3].map((rows) => sampleInputs(zeroInputs(inproc, rows)));
    const names = inproc.signature.outputs.map((o) => o.name);
    const batched = await Promise.all(requests.map((r) => batcher.submit(r, names)));
    for (let i = 0; i < requests.length; i++) assert.deepStrictEqual(batched[i].outputs, await inproc.run(requests[i], names), `request ${i}`);
  } finally {
    await inproc.dispose();
    await worker.dispose();
  }
});

test('both backends report the runtime\'s own compute time when asked', async () => {
  const repo = await fixtureRepository();
  const bytes = readFileSync(join(repo, 'classifier', '1', 'model.onnx'));
  for (const create of [createOrtBackend, createWorkerBackend]) {
    const backend = await create(bytes, OPTIONS);
    try {
      const timing: { computeSeconds?: number } = {};
      await backend.run({ x: { datatype: 'FP32', shape: [1, 4], data: new Float32Array(4) } }, undefined, { timing });
      assert.ok(timing.computeSeconds! > 0 && timing.computeSeconds! < 10, `${backend.kind}: ${timing.computeSeconds}`);
    } finally {
      await backend.dispose();
    }
  }
});
