// src/routes/v2/models.ts: the model list, model metadata and model readiness over the fixture repository.
import assert from 'node:assert/strict';
import { describe, test, type TestContext } from 'node:test';
import { buildTestApp, call } from '../../helper.js';
import { GOOD_FIXTURES, MULTI_IO, SCALAR, TWO_VERSIONS } from '../../helpers/fixture-models.js';

/** A GET on a freshly built and loaded app over the fixture repository (closed after the test). */
async function get(t: TestContext, url: string) {
  const { app } = await buildTestApp(t);
  return call(app, { url });
}

/** Every failure is {"error": "..."} as application/json. */
function assertError(res: { statusCode: number; headers: Record<string, unknown> }, body: unknown, status: number): asserts body is { error: string } {
  assert.equal(res.statusCode, status);
  assert.match(String(res.headers['content-type']), /^application\/json/);
  assert.deepEqual(Object.keys(body as object), ['error']);
  assert.equal(typeof (body as { error: unknown }).error, 'string');
}

describe('GET /v2/models', () => {
  test('lists every model directory by name, loaded or not, sorted', async (t) => {
    const { res, body } = await get(t, '/v2/models');
    assert.equal(res.statusCode, 200);
    const expected = [...GOOD_FIXTURES.map((m) => m.name), 'broken'].sort();
    assert.deepEqual(body, { models: expected });
  });
});

describe('GET /v2/models/{m} (metadata)', () => {
  test('describes a model with string versions, the onnxruntime platform and -1 for dynamic dimensions', async (t) => {
    const { res, body } = await get(t, `/v2/models/${MULTI_IO.name}`);
    assert.equal(res.statusCode, 200);
    assert.deepEqual(body, {
      name: MULTI_IO.name,
      versions: ['1'],
      platform: 'onnxruntime_onnx',
      inputs: MULTI_IO.inputs,
      outputs: MULTI_IO.outputs,
    });
  });

  test('gives a scalar input the empty shape []', async (t) => {
    const { res, body } = await get(t, `/v2/models/${SCALAR.name}`);
    assert.equal(res.statusCode, 200);
    assert.deepEqual(body.inputs, [{ name: 'x', datatype: 'FP32', shape: [] }]);
    assert.deepEqual(body.outputs, [{ name: 'y', datatype: 'FP32', shape: [] }]);
  });

  test('lists every ready version of a multi-version model, as strings', async (t) => {
    const { body } = await get(t, `/v2/models/${TWO_VERSIONS.name}`);
    assert.deepEqual(body.versions, ['1', '2']);
  });

  test('versioned metadata lists only the version asked for', async (t) => {
    const { res, body } = await get(t, `/v2/models/${TWO_VERSIONS.name}/versions/1`);
    assert.equal(res.statusCode, 200);
    assert.equal(body.name, TWO_VERSIONS.name);
    assert.deepEqual(body.versions, ['1']);
    assert.equal(body.platform, 'onnxruntime_onnx');
    assert.deepEqual(body.inputs, TWO_VERSIONS.inputs);
  });

  test('answers 404 {"error"} for an unknown model', async (t) => {
    const { res, body } = await get(t, '/v2/models/no-such-model');
    assertError(res, body, 404);
    assert.match(body.error, /no-such-model/);
  });

  test('answers 404 for a version the model does not have', async (t) => {
    const { res, body } = await get(t, `/v2/models/${TWO_VERSIONS.name}/versions/7`);
    assertError(res, body, 404);
    assert.match(body.error, /'7'/);
  });

  for (const bad of ['abc', '0', '01', '-1']) {
    test(`answers 400 for the malformed version '${bad}'`, async (t) => {
      const { res, body } = await get(t, `/v2/models/${TWO_VERSIONS.name}/versions/${bad}`);
      assertError(res, body, 400);
      assert.match(body.error, /version/);
    });
  }

  test('answers 400 (known, nothing ready) for a model whose only version failed to load', async (t) => {
    const { res, body } = await get(t, '/v2/models/broken');
    assertError(res, body, 400);
    assert.match(body.error, /broken/);
  });

  test('answers 400 naming the model.yaml problem for a model whose config is invalid', async (t) => {
    const { res, body } = await get(t, '/v2/models/bad-config');
    assertError(res, body, 400);
    assert.match(body.error, /versionPolcy/);
  });
});

describe('GET /v2/models/{m}[/versions/{v}]/ready', () => {
  test('answers 200 {"name", "ready": true} for a loaded model', async (t) => {
    const { res, body } = await get(t, `/v2/models/${MULTI_IO.name}/ready`);
    assert.equal(res.statusCode, 200);
    assert.match(String(res.headers['content-type']), /^application\/json/);
    assert.deepEqual(body, { name: MULTI_IO.name, ready: true });
  });

  test('answers 200 for an existing version of a loaded model', async (t) => {
    for (const v of TWO_VERSIONS.versions) {
      const { res, body } = await get(t, `/v2/models/${TWO_VERSIONS.name}/versions/${v}/ready`);
      assert.equal(res.statusCode, 200, `version ${v}`);
      assert.deepEqual(body, { name: TWO_VERSIONS.name, ready: true });
    }
  });

  test('answers 400 {"error"} for a known model with no ready version', async (t) => {
    const { res, body } = await get(t, '/v2/models/broken/ready');
    assertError(res, body, 400);
    assert.match(body.error, /not ready/);
  });

  test('answers 400 for the version that failed to load, with the load error', async (t) => {
    const { res, body } = await get(t, '/v2/models/broken/versions/1/ready');
    assertError(res, body, 400);
    assert.match(body.error, /protobuf|parse|load/i);
  });

  test('answers 400 with the model.yaml problem for a model whose config is invalid', async (t) => {
    const { res, body } = await get(t, '/v2/models/bad-config/ready');
    assertError(res, body, 400);
    assert.match(body.error, /model\.yaml/);
    assert.match(body.error, /versionPolcy/);
  });

  test('answers 404 for an unknown model', async (t) => {
    const { res, body } = await get(t, '/v2/models/no-such-model/ready');
    assertError(res, body, 404);
  });

  test('answers 404 for an unknown version of a known model', async (t) => {
    const { res, body } = await get(t, `/v2/models/${TWO_VERSIONS.name}/versions/9/ready`);
    assertError(res, body, 404);
  });

  test('answers 400 for a malformed version', async (t) => {
    const { res, body } = await get(t, `/v2/models/${TWO_VERSIONS.name}/versions/abc/ready`);
    assertError(res, body, 400);
  });
});
