// test/helpers/fixture-models.ts: every good fixture loads with its declared signature and computes what it claims.
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import type { InferenceBackend } from '../../src/inference/backend.js';
import { createOrtBackend } from '../../src/inference/ort-backend.js';
import type { Tensor, TensorData } from '../../src/inference/tensor.js';
import { readModelConfig } from '../../src/repository/model-config.js';
import {
  ALL_DATATYPES,
  ALL_TYPES,
  BROKEN,
  CLASSIFIER,
  CLASSIFIER_LABELS,
  DYNAMIC,
  FIXED,
  GOOD_FIXTURES,
  MULTI_IO,
  SCALAR,
  STRINGS,
  TWO_VERSIONS,
  buildFixtureRepository,
} from './fixture-models.js';

const OPTIONS = { intraOpThreads: 1, interOpThreads: 1, allowSpinning: false };
const scratch = mkdtempSync(join(tmpdir(), 'onnx-serve-fixtures-test-'));
const repo = join(scratch, 'repo');
const backends: InferenceBackend[] = [];

before(() => buildFixtureRepository(repo));
after(async () => {
  await Promise.all(backends.map((b) => b.dispose()));
  rmSync(scratch, { recursive: true, force: true });
});

async function load(name: string, version = 1): Promise<InferenceBackend> {
  const backend = await createOrtBackend(readFileSync(join(repo, name, String(version), 'model.onnx')), OPTIONS);
  backends.push(backend);
  return backend;
}

const f32 = (shape: number[], values: number[]): Tensor => ({ datatype: 'FP32', shape, data: Float32Array.from(values) });

for (const fixture of GOOD_FIXTURES) {
  for (const version of fixture.versions) {
    test(`${fixture.name} v${version} loads with the declared inputs and outputs`, async () => {
      const backend = await load(fixture.name, version);
      assert.deepEqual(backend.signature, { inputs: fixture.inputs, outputs: fixture.outputs });
    });
  }
}

test('broken v1 fails to load', async () => {
  await assert.rejects(createOrtBackend(readFileSync(join(repo, BROKEN.name, '1', 'model.onnx')), OPTIONS));
});

test('building twice writes byte-identical files', async () => {
  const again = join(scratch, 'again');
  await buildFixtureRepository(again);
  const files = readdirSync(repo, { recursive: true, encoding: 'utf8' }).sort();
  assert.deepEqual(readdirSync(again, { recursive: true, encoding: 'utf8' }).sort(), files);
  for (const file of files.filter((f) => f.includes('.'))) {
    assert.deepEqual(readFileSync(join(again, file)), readFileSync(join(repo, file)), file);
  }
});

const SAMPLE: Record<(typeof ALL_DATATYPES)[number], TensorData> = {
  BOOL: Uint8Array.from([1, 0, 0, 1]),
  UINT8: Uint8Array.from([0, 1, 254, 255]),
  UINT16: Uint16Array.from([0, 1, 65534, 65535]),
  UINT32: Uint32Array.from([0, 1, 4294967294, 4294967295]),
  UINT64: BigUint64Array.from([0n, 1n, 2n ** 64n - 2n, 2n ** 64n - 1n]),
  INT8: Int8Array.from([-128, -1, 1, 127]),
  INT16: Int16Array.from([-32768, -1, 1, 32767]),
  INT32: Int32Array.from([-2147483648, -1, 1, 2147483647]),
  INT64: BigInt64Array.from([-(2n ** 63n), -1n, 1n, 2n ** 63n - 1n]),
  FP16: Uint16Array.from([0x3c00, 0xc000, 0x7bff, 0x0001]), // 1, -2, 65504, smallest subnormal
  FP32: Float32Array.from([0.5, -1.25, 3.4e38, -0]),
  FP64: Float64Array.from([Math.PI, -1e308, 5e-324, 0]),
  BYTES: ['', 'héllo', 'a b', '\u{1F600}'],
};

test('all-types returns every datatype unchanged', async () => {
  const backend = await load(ALL_TYPES.name);
  const inputs = Object.fromEntries(ALL_DATATYPES.map((dt) => [`in_${dt}`, { datatype: dt, shape: [2, 2], data: SAMPLE[dt] }]));
  const out = await backend.run(inputs);
  for (const dt of ALL_DATATYPES) {
    assert.equal(out[`out_${dt}`].datatype, dt);
    assert.deepEqual(out[`out_${dt}`].shape, [2, 2]);
    assert.deepEqual(Array.from(out[`out_${dt}`].data as ArrayLike<unknown>), Array.from(SAMPLE[dt] as ArrayLike<unknown>), dt);
  }
});

test('multi-io computes a+b, a*b and k+k', async () => {
  const backend = await load(MULTI_IO.name);
  const out = await backend.run({
    a: f32([2, 3], [1, 2, 3, 4, 5, 6]),
    b: f32([2, 3], [10, 20, 30, 0.5, 0.5, 0.5]),
    k: { datatype: 'INT64', shape: [2, 1], data: BigInt64Array.from([7n, -(2n ** 61n)]) },
  });
  assert.deepEqual(Array.from(out.sum.data as Float32Array), [11, 22, 33, 4.5, 5.5, 6.5]);
  assert.deepEqual(Array.from(out.product.data as Float32Array), [10, 40, 90, 2, 2.5, 3]);
  assert.deepEqual(Array.from(out.k_doubled.data as BigInt64Array), [14n, -(2n ** 62n)]);
});

test('scalar doubles a rank-0 input', async () => {
  const out = await (await load(SCALAR.name)).run({ x: f32([], [21]) });
  assert.deepEqual(out.y.shape, []);
  assert.deepEqual(Array.from(out.y.data as Float32Array), [42]);
});

test('dynamic sums each row and echoes any [batch, n]', async () => {
  const backend = await load(DYNAMIC.name);
  const out = await backend.run({ x: f32([2, 3], [1, 2, 3, 4, 5, 6]) });
  assert.deepEqual(out.row_sum.shape, [2]);
  assert.deepEqual(Array.from(out.row_sum.data as Float32Array), [6, 15]);
  assert.deepEqual(out.same.shape, [2, 3]);
  const wide = await backend.run({ x: f32([1, 5], [1, 1, 1, 1, 1]) });
  assert.deepEqual(Array.from(wide.row_sum.data as Float32Array), [5]);
});

test('strings echoes its text', async () => {
  const out = await (await load(STRINGS.name)).run({ text: { datatype: 'BYTES', shape: [3], data: ['a', '', 'ünï'] } });
  assert.deepEqual(out.echo.data, ['a', '', 'ünï']);
});

test('fixed applies relu to a [2, 3] input', async () => {
  const out = await (await load(FIXED.name)).run({ x: f32([2, 3], [-1, 0, 1, 2, -3, 4]) });
  assert.deepEqual(Array.from(out.y.data as Float32Array), [0, 0, 1, 2, 0, 4]);
});

test('classifier scores equal its input and model.yaml lists the four labels', async () => {
  const out = await (await load(CLASSIFIER.name)).run({ x: f32([1, 4], [0.1, 0.7, 0.15, 0.05]) });
  assert.deepEqual(out.scores.data, Float32Array.from([0.1, 0.7, 0.15, 0.05]));
  assert.deepEqual((await readModelConfig(join(repo, CLASSIFIER.name, 'model.yaml'))).labels, [...CLASSIFIER_LABELS]);
});

test('two-versions adds its version number and model.yaml serves all versions', async () => {
  for (const version of TWO_VERSIONS.versions) {
    const out = await (await load(TWO_VERSIONS.name, version)).run({ x: f32([2, 1], [10, 20]) });
    assert.deepEqual(Array.from(out.y.data as Float32Array), [10 + version, 20 + version]);
  }
  assert.equal((await readModelConfig(join(repo, TWO_VERSIONS.name, 'model.yaml'))).versionPolicy, 'all');
});

test("bad-config's model.yaml fails validation naming the typo'd key", async () => {
  await assert.rejects(readModelConfig(join(repo, 'bad-config', 'model.yaml')), /versionPolcy/);
});
