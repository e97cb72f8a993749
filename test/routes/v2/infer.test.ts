// POST /v2/models/{m}[/versions/{v}]/infer through the real app: results, extensions and every error path.
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { gzipSync, deflateSync } from 'node:zlib';
import { test } from 'node:test';
import ort from 'onnxruntime-node';
import { binaryBody, buildTestApp, call, DEFAULT_MODELS, parseBinaryResponse } from '../../helper.js';

const IRIS_ROWS = [
  [5.1, 3.5, 1.4, 0.2],
  [6.7, 3.0, 5.2, 2.3],
  [5.9, 3.0, 4.2, 1.5],
];

async function irisDirect(version: number, rows: number[][]) {
  const session = await ort.InferenceSession.create(join(DEFAULT_MODELS, 'iris', String(version), 'model.onnx'));
  const out = await session.run({ features: new ort.Tensor('float32', Float32Array.from(rows.flat()), [rows.length, 4]) });
  await session.release();
  return { probabilities: Array.from(out.probabilities.data as Float32Array), label: Array.from(out.label.data as BigInt64Array, Number) };
}

const irisRequest = (rows: number[][], extra: Record<string, unknown> = {}) => ({
  inputs: [{ name: 'features', shape: [rows.length, 4], datatype: 'FP32', data: rows.flat() }],
  ...extra,
});

test('iris answers match onnxruntime called directly, element by element, for each version', async (t) => {
  const { app } = await buildTestApp(t, { config: { models: DEFAULT_MODELS } });
  for (const version of [1, 2]) {
    const { res, body } = await call(app, { method: 'POST', url: `/v2/models/iris/versions/${version}/infer`, payload: irisRequest(IRIS_ROWS) });
    assert.equal(res.statusCode, 200, res.body);
    const expected = await irisDirect(version, IRIS_ROWS);
    assert.equal(body.model_name, 'iris');
    assert.equal(body.model_version, String(version));
    const [probs, label] = body.outputs;
    assert.deepEqual({ name: probs.name, datatype: probs.datatype, shape: probs.shape }, { name: 'probabilities', datatype: 'FP32', shape: [3, 3] });
    assert.deepEqual(probs.data, expected.probabilities);
    assert.deepEqual({ name: label.name, datatype: label.datatype, shape: label.shape, data: label.data }, { name: 'label', datatype: 'INT64', shape: [3], data: expected.label });
  }
});

test('without a version the newest ready version answers, and nested data equals flat data', async (t) => {
  const { app } = await buildTestApp(t, { config: { models: DEFAULT_MODELS } });
  const flat = await call(app, { method: 'POST', url: '/v2/models/iris/infer', payload: irisRequest(IRIS_ROWS) });
  const nested = await call(app, {
    method: 'POST',
    url: '/v2/models/iris/infer',
    payload: { inputs: [{ name: 'features', shape: [3, 4], datatype: 'FP32', data: IRIS_ROWS }] },
  });
  assert.equal(flat.body.model_version, '2');
  assert.deepEqual(nested.body.outputs, flat.body.outputs);
});

test('the id is echoed, or generated when absent; unknown top-level keys and no Content-Type are fine', async (t) => {
  const { app } = await buildTestApp(t, { config: { models: DEFAULT_MODELS } });
  const echoed = await call(app, {
    method: 'POST',
    url: '/v2/models/iris/infer',
    // NOTE: a string payload makes inject send no Content-Type at all, as tritonclient does.
    payload: JSON.stringify(irisRequest(IRIS_ROWS, { id: 'req-42', model_name: 'iris', something_new: { x: 1 } })),
  });
  assert.equal((echoed.res.raw.req.headers as Record<string, unknown>)['content-type'], undefined);
  assert.equal(echoed.res.statusCode, 200, echoed.res.body);
  assert.equal(echoed.body.id, 'req-42');
  const generated = await call(app, { method: 'POST', url: '/v2/models/iris/infer', payload: irisRequest(IRIS_ROWS) });
  assert.match(generated.body.id, /^[0-9a-f-]{36}$/);
});

test('every Content-Type reaches the one body parser, the second request as the first (Fastify caches by type)', async (t) => {
  const { app } = await buildTestApp(t, { config: { models: DEFAULT_MODELS } });
  // NOTE: registered by name, not only as the catch-all, so Fastify caches the lookup for these two.
  assert.ok(app.hasContentTypeParser('application/json') && app.hasContentTypeParser('application/octet-stream'));
  const payload = JSON.stringify(irisRequest(IRIS_ROWS));
  const expected = (await call(app, { method: 'POST', url: '/v2/models/iris/infer', payload })).body.outputs;
  for (const type of ['application/json', 'application/json; charset=utf-8', 'Application/JSON', 'text/plain', 'application/x-anything']) {
    for (let attempt = 0; attempt < 2; attempt++) {
      const { res, body } = await call(app, { method: 'POST', url: '/v2/models/iris/infer', payload, headers: { 'content-type': type } });
      assert.equal(res.statusCode, 200, `${type}: ${res.body}`);
      assert.equal(res.headers['content-type'], 'application/json; charset=utf-8');
      assert.deepEqual(body.outputs, expected, type);
    }
  }
  const framed = await call(app, { method: 'POST', url: '/v2/models/iris/infer', ...binaryBody({ inputs: [{ name: 'features', shape: [3, 4], datatype: 'FP32', parameters: { binary_data_size: 48 } }] }, [Buffer.from(Float32Array.from(IRIS_ROWS.flat()).buffer)]) });
  assert.equal(framed.res.statusCode, 200, framed.res.body);
  assert.deepEqual(JSON.parse(framed.res.body).outputs, expected);
  const malformed = await call(app, { method: 'POST', url: '/v2/models/iris/infer', payload: '{"inputs": [', headers: { 'content-type': 'application/json' } });
  assert.equal(malformed.res.statusCode, 400);
  assert.match(malformed.body.error, /not valid JSON/);
});

test('outputs select and order what comes back; classification returns value:index:label strings', async (t) => {
  const { app } = await buildTestApp(t);
  const payload = {
    inputs: [{ name: 'x', shape: [2, 4], datatype: 'FP32', data: [0.1, 0.9, 0.3, 0.2, 5, 1, 7, 2] }],
    outputs: [{ name: 'scores', parameters: { classification: 2 } }],
  };
  const { res, body } = await call(app, { method: 'POST', url: '/v2/models/classifier/infer', payload });
  assert.equal(res.statusCode, 200, res.body);
  assert.deepEqual(body.outputs, [{ name: 'scores', datatype: 'BYTES', shape: [2, 2], data: ['0.9:1:dog', '0.3:2:bird', '7:2:bird', '5:0:cat'] }]);

  const multi = await call(app, {
    method: 'POST',
    url: '/v2/models/multi-io/infer',
    payload: {
      inputs: [
        { name: 'a', shape: [1, 3], datatype: 'FP32', data: [1, 2, 3] },
        { name: 'b', shape: [1, 3], datatype: 'FP32', data: [4, 5, 6] },
        { name: 'k', shape: [1, 1], datatype: 'INT64', data: [21] },
      ],
      outputs: [{ name: 'k_doubled' }, { name: 'sum' }],
    },
  });
  assert.deepEqual(multi.body.outputs.map((o: { name: string; data: number[] }) => [o.name, o.data]), [['k_doubled', [42]], ['sum', [5, 7, 9]]]);
});

test('classification also works on binary responses and without labels', async (t) => {
  const { app } = await buildTestApp(t);
  const payload = {
    inputs: [{ name: 'y', shape: [1, 3], datatype: 'FP32', data: [0.5, 0.25, 0.75] }].map((i) => ({ ...i, name: 'a' })).concat([
      { name: 'b', shape: [1, 3], datatype: 'FP32', data: [0, 0, 0] },
    ]).concat([{ name: 'k', shape: [1, 1], datatype: 'INT64', data: [1] } as never]),
    outputs: [{ name: 'sum', parameters: { classification: 1, binary_data: true } }],
  };
  const res = await app.inject({ method: 'POST', url: '/v2/models/multi-io/infer', payload });
  assert.equal(res.statusCode, 200, res.body);
  const { header, buffers } = parseBinaryResponse(res);
  assert.deepEqual(header.outputs[0].shape, [1, 1]);
  const raw = buffers.sum;
  assert.equal(raw.readUInt32LE(0), raw.length - 4);
  assert.equal(raw.subarray(4).toString(), '0.75:2');
});

test('scalar inputs, dynamic dimensions and string tensors are served', async (t) => {
  const { app } = await buildTestApp(t);
  const scalar = await call(app, { method: 'POST', url: '/v2/models/scalar/infer', payload: { inputs: [{ name: 'x', shape: [], datatype: 'FP32', data: [21] }] } });
  assert.deepEqual(scalar.body.outputs[0], { name: 'y', datatype: 'FP32', shape: [], data: [42] });

  for (const [rows, cols] of [[1, 5], [3, 2], [0, 4]]) {
    const data = Array.from({ length: rows * cols }, (_, i) => i);
    const { res, body } = await call(app, { method: 'POST', url: '/v2/models/dynamic/infer', payload: { inputs: [{ name: 'x', shape: [rows, cols], datatype: 'FP32', data }] } });
    assert.equal(res.statusCode, 200, res.body);
    const rowSum = body.outputs.find((o: { name: string }) => o.name === 'row_sum');
    assert.deepEqual(rowSum.shape, [rows]);
    assert.deepEqual(rowSum.data, Array.from({ length: rows }, (_, r) => data.slice(r * cols, (r + 1) * cols).reduce((a, b) => a + b, 0)));
  }

  const text = ['hello', 'wörld', ''];
  const strings = await call(app, { method: 'POST', url: '/v2/models/strings/infer', payload: { inputs: [{ name: 'text', shape: [3], datatype: 'BYTES', data: text }] } });
  assert.deepEqual(strings.body.outputs[0], { name: 'echo', datatype: 'BYTES', shape: [3], data: text });
});

test('gzip and deflate request bodies are accepted; other encodings get 415', async (t) => {
  const { app } = await buildTestApp(t, { config: { models: DEFAULT_MODELS } });
  const json = JSON.stringify(irisRequest(IRIS_ROWS));
  for (const [encoding, body] of [['gzip', gzipSync(json)], ['deflate', deflateSync(json)]] as const) {
    const { res, body: out } = await call(app, { method: 'POST', url: '/v2/models/iris/infer', payload: body, headers: { 'content-encoding': encoding } });
    assert.equal(res.statusCode, 200, `${encoding}: ${res.body}`);
    assert.equal(out.outputs.length, 2);
  }
  const bad = await call(app, { method: 'POST', url: '/v2/models/iris/infer', payload: json, headers: { 'content-encoding': 'zstd' } });
  assert.equal(bad.res.statusCode, 415);
  assert.match(bad.body.error, /Content-Encoding/);
});

test('bodies over the limit get 413, before and after decompression', async (t) => {
  const { app } = await buildTestApp(t, { config: { models: DEFAULT_MODELS, bodyLimitBytes: 4096 } });
  const big = JSON.stringify(irisRequest(Array.from({ length: 400 }, () => IRIS_ROWS[0])));
  const plain = await call(app, { method: 'POST', url: '/v2/models/iris/infer', payload: big });
  assert.equal(plain.res.statusCode, 413);
  assert.equal(typeof plain.body.error, 'string');
  const zipped = gzipSync(big);
  assert.ok(zipped.length < 4096);
  const bomb = await call(app, { method: 'POST', url: '/v2/models/iris/infer', payload: zipped, headers: { 'content-encoding': 'gzip' } });
  assert.equal(bomb.res.statusCode, 413);
});
