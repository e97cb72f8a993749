// src/routes/v1/predict.ts: KServe V1 / TF-Serving :predict (rows and columns) and model status, checked against onnxruntime itself.
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { describe, test, type TestContext } from 'node:test';
import ort from 'onnxruntime-node';
import { buildTestApp, call, DEFAULT_MODELS } from '../../helper.js';
import { GOOD_FIXTURES, MULTI_IO, SCALAR, STRINGS, TWO_VERSIONS } from '../../helpers/fixture-models.js';

const ROWS = [
  [5.1, 3.5, 1.4, 0.2],
  [6.7, 3.0, 5.2, 2.3],
  [5.9, 2.8, 4.4, 1.3],
];

interface IrisAnswer {
  probabilities: number[][];
  label: number[];
}

/** The iris model run by onnxruntime-node directly, bypassing the server, on the same rows. */
async function irisDirect(version: number, rows: number[][]): Promise<IrisAnswer> {
  const session = await ort.InferenceSession.create(join(DEFAULT_MODELS, 'iris', String(version), 'model.onnx'));
  try {
    const out = await session.run({ features: new ort.Tensor('float32', Float32Array.from(rows.flat()), [rows.length, 4]) });
    const probs = Array.from(out.probabilities.data as Float32Array);
    return {
      probabilities: rows.map((_, i) => probs.slice(i * 3, i * 3 + 3)),
      label: Array.from(out.label.data as BigInt64Array, Number),
    };
  } finally {
    await session.release();
  }
}

function assertClose(actual: unknown, expected: number[], what: string): void {
  assert.ok(Array.isArray(actual), `${what} is an array`);
  assert.equal(actual.length, expected.length, `${what} length`);
  actual.forEach((v, i) => {
    assert.equal(typeof v, 'number', `${what}[${i}] is a number`);
    assert.ok(Math.abs((v as number) - expected[i]) <= 1e-6, `${what}[${i}]: ${v} vs ${expected[i]}`);
  });
}

/** Predictions in row format compared element-wise with the direct run. */
function assertPredictionsMatch(predictions: unknown, expected: IrisAnswer): void {
  assert.ok(Array.isArray(predictions), 'predictions is an array');
  assert.equal(predictions.length, expected.label.length);
  predictions.forEach((p: Record<string, unknown>, i) => {
    assert.deepEqual(Object.keys(p).sort(), ['label', 'probabilities'], `prediction ${i} holds both outputs`);
    assertClose(p.probabilities, expected.probabilities[i], `predictions[${i}].probabilities`);
    assert.equal(p.label, expected.label[i], `predictions[${i}].label`);
  });
}

const iris = (t: TestContext) => buildTestApp(t, { config: { models: DEFAULT_MODELS } }).then((a) => a.app);
const fixtures = (t: TestContext) => buildTestApp(t).then((a) => a.app);
const predict = (app: Awaited<ReturnType<typeof iris>>, url: string, body: unknown) =>
  call(app, { method: 'POST', url, payload: JSON.stringify(body) });

function assertError(res: { statusCode: number }, body: unknown, status: number, pattern?: RegExp): void {
  assert.equal(res.statusCode, status, JSON.stringify(body));
  assert.deepEqual(Object.keys(body as object), ['error']);
  if (pattern !== undefined) assert.match((body as { error: string }).error, pattern);
}

describe('POST /v1/models/{m}:predict on iris', () => {
  test('answers rows with one {probabilities, label} object per instance, equal to onnxruntime run directly (version 2)', async (t) => {
    const app = await iris(t);
    const { res, body } = await predict(app, '/v1/models/iris:predict', { instances: ROWS });
    assert.equal(res.statusCode, 200, JSON.stringify(body));
    assert.deepEqual(Object.keys(body), ['predictions']);
    assertPredictionsMatch(body.predictions, await irisDirect(2, ROWS));
  });

  test('the versioned path runs that version: /versions/1 matches model 1, not model 2', async (t) => {
    const app = await iris(t);
    const { res, body } = await predict(app, '/v1/models/iris/versions/1:predict', { instances: ROWS });
    assert.equal(res.statusCode, 200, JSON.stringify(body));
    const v1 = await irisDirect(1, ROWS);
    const v2 = await irisDirect(2, ROWS);
    assertPredictionsMatch(body.predictions, v1);
    assert.ok(
      Math.abs(body.predictions[0].probabilities[0] - v2.probabilities[0][0]) > 1e-4,
      'the two versions give different probabilities, so the comparison tells them apart',
    );
  });

  test('answers a columnar {"inputs"} request with {"outputs"} holding each output as a whole tensor', async (t) => {
    const app = await iris(t);
    const { res, body } = await predict(app, '/v1/models/iris:predict', { inputs: ROWS });
    assert.equal(res.statusCode, 200, JSON.stringify(body));
    assert.deepEqual(Object.keys(body), ['outputs']);
    const expected = await irisDirect(2, ROWS);
    assert.deepEqual(Object.keys(body.outputs).sort(), ['label', 'probabilities']);
    assert.deepEqual(body.outputs.label, expected.label);
    assert.equal(body.outputs.probabilities.length, ROWS.length);
    body.outputs.probabilities.forEach((row: unknown, i: number) => assertClose(row, expected.probabilities[i], `outputs.probabilities[${i}]`));
  });

  test('accepts an instance given as an object keyed by input name', async (t) => {
    const app = await iris(t);
    const { res, body } = await predict(app, '/v1/models/iris:predict', { instances: ROWS.map((features) => ({ features })) });
    assert.equal(res.statusCode, 200, JSON.stringify(body));
    assertPredictionsMatch(body.predictions, await irisDirect(2, ROWS));
  });

  test('needs no Content-Type header', async (t) => {
    const app = await iris(t);
    const seen: unknown[] = [];
    app.addHook('onRequest', async (req) => void seen.push(req.headers['content-type']));
    const res = await app.inject({ method: 'POST', url: '/v1/models/iris:predict', payload: Buffer.from(JSON.stringify({ instances: [ROWS[0]] })) });
    assert.deepEqual(seen, [undefined], 'the request went out without a Content-Type');
    assert.equal(res.statusCode, 200, res.body);
    assert.equal(JSON.parse(res.body).predictions.length, 1);
  });

  test('answers 400 when both "instances" and "inputs" are given', async (t) => {
    const { res, body } = await predict(await iris(t), '/v1/models/iris:predict', { instances: ROWS, inputs: ROWS });
    assertError(res, body, 400, /instances.*inputs/);
  });

  test('answers 400 when neither "instances" nor "inputs" is given', async (t) => {
    const { res, body } = await predict(await iris(t), '/v1/models/iris:predict', { signature_name: 'serving_default' });
    assertError(res, body, 400, /instances.*inputs/);
  });

  test('answers 400 for an empty "instances" list', async (t) => {
    const { res, body } = await predict(await iris(t), '/v1/models/iris:predict', { instances: [] });
    assertError(res, body, 400);
  });

  test('answers 400 naming the input when a value is not a number', async (t) => {
    const { res, body } = await predict(await iris(t), '/v1/models/iris:predict', { instances: [[5.1, 'wide', 1.4, 0.2]] });
    assertError(res, body, 400, /features/);
  });

  test('answers 400 for rows of different lengths', async (t) => {
    const { res, body } = await predict(await iris(t), '/v1/models/iris:predict', { instances: [ROWS[0], [1, 2]] });
    assertError(res, body, 400, /features/);
  });

  test('answers 400 when rows have the wrong width for the model', async (t) => {
    const { res, body } = await predict(await iris(t), '/v1/models/iris:predict', { instances: [[1, 2, 3]] });
    assertError(res, body, 400, /shape/);
  });

  test('answers 404 for an unknown model and for an unknown version', async (t) => {
    const app = await iris(t);
    const unknown = await predict(app, '/v1/models/no-such-model:predict', { instances: ROWS });
    assertError(unknown.res, unknown.body, 404, /no-such-model/);
    const version = await predict(app, '/v1/models/iris/versions/9:predict', { instances: ROWS });
    assertError(version.res, version.body, 404, /'9'/);
  });
});

describe('POST /v1/models/{m}:predict on fixtures', () => {
  test('stacks object instances {a, b, k} of a multi-input model and answers an object of every output per row', async (t) => {
    const { res, body } = await predict(await fixtures(t), `/v1/models/${MULTI_IO.name}:predict`, {
      instances: [
        { a: [1, 2, 3], b: [10, 20, 30], k: [4] },
        { a: [0.5, -1, 0], b: [2, 2, 2], k: [-3] },
      ],
    });
    assert.equal(res.statusCode, 200, JSON.stringify(body));
    assert.deepEqual(body, {
      predictions: [
        { sum: [11, 22, 33], product: [10, 40, 90], k_doubled: [8] },
        { sum: [2.5, 1, 2], product: [1, -2, 0], k_doubled: [-6] },
      ],
    });
  });

  test('takes a columnar object of tensors by input name and answers an object of output tensors', async (t) => {
    const { res, body } = await predict(await fixtures(t), `/v1/models/${MULTI_IO.name}:predict`, {
      inputs: { a: [[1, 2, 3], [4, 5, 6]], b: [[1, 1, 1], [2, 2, 2]], k: [[1], [2]] },
    });
    assert.equal(res.statusCode, 200, JSON.stringify(body));
    assert.deepEqual(body, {
      outputs: { sum: [[2, 3, 4], [6, 7, 8]], product: [[1, 2, 3], [8, 10, 12]], k_doubled: [[2], [4]] },
    });
  });

  test('answers 400 naming the input an instance lacks', async (t) => {
    const { res, body } = await predict(await fixtures(t), `/v1/models/${MULTI_IO.name}:predict`, {
      instances: [{ a: [1, 2, 3], b: [1, 2, 3], k: [1] }, { a: [1, 2, 3], b: [1, 2, 3] }],
    });
    assertError(res, body, 400, /instance 1.*'k'/);
  });

  test('answers 400 naming the missing input of a columnar request', async (t) => {
    const { res, body } = await predict(await fixtures(t), `/v1/models/${MULTI_IO.name}:predict`, { inputs: { a: [[1, 2, 3]], b: [[1, 2, 3]] } });
    assertError(res, body, 400, /'k'/);
  });

  test('answers 400 listing the inputs when a multi-input model gets bare rows', async (t) => {
    const { res, body } = await predict(await fixtures(t), `/v1/models/${MULTI_IO.name}:predict`, { instances: [[1, 2, 3]] });
    assertError(res, body, 400, /'a', 'b', 'k'/);
  });

  test('runs a scalar model from {"inputs": 3} and answers {"outputs": 6}', async (t) => {
    const { res, body } = await predict(await fixtures(t), `/v1/models/${SCALAR.name}:predict`, { inputs: 3 });
    assert.equal(res.statusCode, 200, JSON.stringify(body));
    assert.deepEqual(body, { outputs: 6 });
  });

  test('passes strings through a BYTES model as strings', async (t) => {
    const { res, body } = await predict(await fixtures(t), `/v1/models/${STRINGS.name}:predict`, { instances: ['héllo', ''] });
    assert.equal(res.statusCode, 200, JSON.stringify(body));
    assert.deepEqual(body, { predictions: ['héllo', ''] });
  });

  test('serves the version named in the path (y = x + version)', async (t) => {
    const app = await fixtures(t);
    for (const v of TWO_VERSIONS.versions) {
      const { body } = await predict(app, `/v1/models/${TWO_VERSIONS.name}/versions/${v}:predict`, { instances: [[10]] });
      assert.deepEqual(body, { predictions: [[10 + v]] }, `version ${v}`);
    }
    const latest = await predict(app, `/v1/models/${TWO_VERSIONS.name}:predict`, { instances: [[10]] });
    assert.deepEqual(latest.body, { predictions: [[12]] }, 'unversioned requests reach the newest ready version');
  });

  test('answers 400 (not ready) for a known model whose only version failed to load', async (t) => {
    const { res, body } = await predict(await fixtures(t), '/v1/models/broken:predict', { instances: [[1]] });
    assertError(res, body, 400, /not ready/);
  });
});

describe('GET /v1/models[/{m}]', () => {
  test('reports a loaded model ready, each version AVAILABLE with error_code OK', async (t) => {
    const { res, body } = await call(await iris(t), { url: '/v1/models/iris' });
    assert.equal(res.statusCode, 200);
    assert.deepEqual(body, {
      name: 'iris',
      ready: true,
      model_version_status: [
        { version: '1', state: 'AVAILABLE', status: { error_code: 'OK', error_message: '' } },
        { version: '2', state: 'AVAILABLE', status: { error_code: 'OK', error_message: '' } },
      ],
    });
  });

  test('reports a model whose version failed to load as not ready, state END with the load error', async (t) => {
    const { res, body } = await call(await fixtures(t), { url: '/v1/models/broken' });
    assert.equal(res.statusCode, 200);
    assert.equal(body.name, 'broken');
    assert.equal(body.ready, false);
    assert.equal(body.model_version_status.length, 1);
    const [status] = body.model_version_status;
    assert.equal(status.version, '1');
    assert.equal(status.state, 'END');
    assert.notEqual(status.status.error_code, 'OK');
    assert.match(status.status.error_message, /protobuf|parse|load/i);
  });

  test('answers 404 {"error"} for an unknown model', async (t) => {
    const { res, body } = await call(await fixtures(t), { url: '/v1/models/no-such-model' });
    assertError(res, body, 404);
  });

  test('lists every model by name', async (t) => {
    const { res, body } = await call(await fixtures(t), { url: '/v1/models' });
    assert.equal(res.statusCode, 200);
    assert.deepEqual(body, { models: [...GOOD_FIXTURES.map((m) => m.name), 'broken'].sort() });
  });
});
