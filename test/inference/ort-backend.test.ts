// src/inference/ort-backend.ts: signatures come from the model, results equal onnxruntime's own, sessions release.
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import ort from 'onnxruntime-node';
import type { InferenceBackend } from '../../src/inference/backend.js';
import { createOrtBackend } from '../../src/inference/ort-backend.js';
import type { Tensor } from '../../src/inference/tensor.js';
import { inputsFor } from '../helpers/sample-inputs.js';
import { ALL_DATATYPES, BROKEN, DYNAMIC, FIXED, MULTI_IO, SCALAR, buildFixtureRepository } from '../helpers/fixture-models.js';

const OPTIONS = { intraOpThreads: 1, interOpThreads: 1, allowSpinning: false };
const scratch = mkdtempSync(join(tmpdir(), 'onnx-serve-ort-backend-test-'));
const backends: InferenceBackend[] = [];

before(() => buildFixtureRepository(scratch));
after(async () => {
  await Promise.all(backends.map((b) => b.dispose()));
  rmSync(scratch, { recursive: true, force: true });
});

const modelBytes = (name: string): Buffer => readFileSync(join(scratch, name, '1', 'model.onnx'));

async function load(name: string, options = OPTIONS): Promise<InferenceBackend> {
  const backend = await createOrtBackend(modelBytes(name), options);
  backends.push(backend);
  return backend;
}

const MULTI_IO_INPUTS: Record<string, Tensor> = {
  a: { datatype: 'FP32', shape: [2, 3], data: Float32Array.from([1.5, -2, 3, 0.1, 1e20, -0]) },
  b: { datatype: 'FP32', shape: [2, 3], data: Float32Array.from([0.25, 4, -3, 0.2, 1e20, 7]) },
  k: { datatype: 'INT64', shape: [2, 1], data: BigInt64Array.from([2n ** 61n, -3n]) },
};

test('the signature maps every ONNX element type to its protocol datatype', async () => {
  const { signature } = await load('all-types');
  assert.deepEqual(signature.inputs.map((s) => s.datatype), [...ALL_DATATYPES]);
  assert.deepEqual(signature.outputs.map((s) => s.datatype), [...ALL_DATATYPES]);
});

test('symbolic dimensions are -1 and fixed ones keep their size', async () => {
  assert.deepEqual((await load(DYNAMIC.name)).signature.inputs, [{ name: 'x', datatype: 'FP32', shape: [-1, -1] }]);
  assert.deepEqual((await load(DYNAMIC.name)).signature.outputs[0], { name: 'row_sum', datatype: 'FP32', shape: [-1] });
  assert.deepEqual((await load(FIXED.name)).signature.inputs, [{ name: 'x', datatype: 'FP32', shape: [2, 3] }]);
  assert.deepEqual((await load(SCALAR.name)).signature.inputs, [{ name: 'x', datatype: 'FP32', shape: [] }]);
  assert.deepEqual((await load(MULTI_IO.name)).signature.outputs.map((o) => o.shape), [[-1, 3], [-1, 3], [-1, 1]]);
});

test('multi-io results equal those of onnxruntime-node called directly on the same model', async () => {
  const session = await ort.InferenceSession.create(modelBytes(MULTI_IO.name));
  const feeds = Object.fromEntries(
    Object.entries(MULTI_IO_INPUTS).map(([name, t]) => [name, new ort.Tensor(t.datatype === 'FP32' ? 'float32' : 'int64', t.data as Float32Array, t.shape)]),
  );
  const expected = await session.run(feeds);
  await session.release();

  const actual = await (await load(MULTI_IO.name)).run(MULTI_IO_INPUTS);
  assert.deepEqual(Object.keys(actual), ['sum', 'product', 'k_doubled']);
  for (const name of ['sum', 'product', 'k_doubled']) {
    assert.deepEqual(actual[name].shape, [...expected[name].dims], name);
    assert.deepEqual(actual[name].data, expected[name].data, name);
  }
  assert.equal(actual.sum.datatype, 'FP32');
  assert.equal(actual.k_doubled.datatype, 'INT64');
  assert.deepEqual(actual.k_doubled.data, BigInt64Array.from([2n ** 62n, -6n]));
});

test('run computes only the outputs it is asked for, in the order asked', async () => {
  const out = await (await load(MULTI_IO.name)).run(MULTI_IO_INPUTS, ['k_doubled', 'sum']);
  assert.deepEqual(Object.keys(out), ['k_doubled', 'sum']);
});

test('threading and spinning options are accepted', async () => {
  const backend = await load(MULTI_IO.name, { intraOpThreads: 2, interOpThreads: 2, allowSpinning: true });
  const out = await backend.run(MULTI_IO_INPUTS, ['sum']);
  assert.deepEqual(out.sum.shape, [2, 3]);
});

test('runtime errors (a wrong fixed dimension) reject the run', async () => {
  const backend = await load(FIXED.name);
  // NOTE: the direct native run throws synchronously; the backend's run must still reject, not throw.
  await assert.rejects(backend.run({ x: { datatype: 'FP32', shape: [3, 2], data: new Float32Array(6) } }), /dimension/i);
});

test('model bytes that are not ONNX fail to load', async () => {
  await assert.rejects(createOrtBackend(readFileSync(join(scratch, BROKEN.name, '1', 'model.onnx')), OPTIONS));
});

test('dispose releases the session: it resolves and later runs reject', async () => {
  const backend = await createOrtBackend(modelBytes(MULTI_IO.name), OPTIONS);
  await backend.run(MULTI_IO_INPUTS);
  await backend.dispose();
  await assert.rejects(backend.run(MULTI_IO_INPUTS));
});

test('runs go to the native session directly by default, and match the public API on every datatype', async () => {
  const direct = await createOrtBackend(modelBytes('all-types'), OPTIONS);
  const viaPublicApi = await createOrtBackend(modelBytes('all-types'), OPTIONS, { direct: false });
  backends.push(direct, viaPublicApi);
  assert.equal(direct.direct, true);
  assert.equal(viaPublicApi.direct, false);
  assert.deepEqual(direct.signature, viaPublicApi.signature);
  const inputs = inputsFor(direct, 3, 1);
  assert.deepEqual(await direct.run(inputs), await viaPublicApi.run(inputs));
  for (const name of [MULTI_IO.name, DYNAMIC.name, SCALAR.name]) {
    const [a, b] = await Promise.all([createOrtBackend(modelBytes(name), OPTIONS), createOrtBackend(modelBytes(name), OPTIONS, { direct: false })]);
    backends.push(a, b);
    assert.deepEqual(a.signature, b.signature, name);
    if (name === MULTI_IO.name) assert.deepEqual(await a.run(MULTI_IO_INPUTS), await b.run(MULTI_IO_INPUTS));
  }
});
