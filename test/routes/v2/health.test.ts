// src/routes/v2/health.ts: server metadata, liveness and readiness as tritonclient, KServe's client and Kubernetes read them.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { buildTestApp, call, DEFAULT_MODELS } from '../../helper.js';

describe('GET /v2', () => {
  test('reports the server name, its version as a string and the extensions it implements', async (t) => {
    const { app } = await buildTestApp(t);
    const { res, body } = await call(app, { url: '/v2' });
    assert.equal(res.statusCode, 200);
    assert.equal(body.name, 'onnx-serve');
    assert.equal(typeof body.version, 'string');
    assert.match(body.version, /^\d+\.\d+\.\d+/);
    assert.ok(Array.isArray(body.extensions), 'extensions is an array');
    assert.ok(body.extensions.includes('binary_tensor_data'), 'binary_tensor_data listed');
    assert.ok(body.extensions.includes('classification'), 'classification listed');
  });
});

describe('GET /v2/health/live', () => {
  test('answers 200 {"live": true} as application/json', async (t) => {
    const { app } = await buildTestApp(t);
    const { res, body } = await call(app, { url: '/v2/health/live' });
    assert.equal(res.statusCode, 200);
    assert.match(String(res.headers['content-type']), /^application\/json/);
    assert.deepEqual(body, { live: true });
  });

  test('answers 200 while models are still loading, so a slow start is not killed', async (t) => {
    const { app } = await buildTestApp(t, { load: false });
    const { res, body } = await call(app, { url: '/v2/health/live' });
    assert.equal(res.statusCode, 200);
    assert.deepEqual(body, { live: true });
  });
});

describe('GET /v2/health/ready', () => {
  test('answers 503 with {"error"} before the models are loaded', async (t) => {
    const { app } = await buildTestApp(t, { load: false });
    const { res, body } = await call(app, { url: '/v2/health/ready' });
    assert.equal(res.statusCode, 503);
    assert.match(String(res.headers['content-type']), /^application\/json/);
    assert.deepEqual(Object.keys(body), ['error']);
    assert.match(body.error, /loading/);
  });

  test('turns 200 {"ready": true} once loadModels() has finished', async (t) => {
    const { app } = await buildTestApp(t, { config: { models: DEFAULT_MODELS }, load: false });
    assert.equal((await call(app, { url: '/v2/health/ready' })).res.statusCode, 503);
    await app.loadModels();
    const { res, body } = await call(app, { url: '/v2/health/ready' });
    assert.equal(res.statusCode, 200);
    assert.match(String(res.headers['content-type']), /^application\/json/);
    assert.deepEqual(body, { ready: true }, 'no "unavailable" list when every version loaded');
  });

  test('stays ready but lists broken and bad-config models under "unavailable" with name, version and reason', async (t) => {
    const { app } = await buildTestApp(t);
    const { res, body } = await call(app, { url: '/v2/health/ready' });
    assert.equal(res.statusCode, 200);
    assert.equal(body.ready, true);
    const byName = new Map<string, { name: string; version: string; reason: string }>(body.unavailable.map((u: { name: string }) => [u.name, u]));
    assert.deepEqual([...byName.keys()].sort(), ['bad-config', 'broken']);
    for (const entry of byName.values()) {
      assert.deepEqual(Object.keys(entry).sort(), ['name', 'reason', 'version']);
      assert.equal(typeof entry.version, 'string');
      assert.ok(entry.reason.length > 0, `${entry.name} has a reason`);
    }
    assert.equal(byName.get('broken')!.version, '1');
    assert.match(byName.get('bad-config')!.reason, /versionPolcy/);
  });

  test('answers 503 when a model failed to load and strictReadiness is on', async (t) => {
    const { app } = await buildTestApp(t, { config: { strictReadiness: true } });
    const { res, body } = await call(app, { url: '/v2/health/ready' });
    assert.equal(res.statusCode, 503);
    assert.match(body.error, /failed to load/);
  });

  test('answers 200 with strictReadiness on when every model loaded', async (t) => {
    const { app } = await buildTestApp(t, { config: { models: DEFAULT_MODELS, strictReadiness: true } });
    const { res, body } = await call(app, { url: '/v2/health/ready' });
    assert.equal(res.statusCode, 200);
    assert.deepEqual(body, { ready: true });
  });

  test('answers 503 once draining has begun, while liveness stays 200', async (t) => {
    const { app } = await buildTestApp(t, { config: { models: DEFAULT_MODELS } });
    assert.equal((await call(app, { url: '/v2/health/ready' })).res.statusCode, 200);
    app.health.markDraining();
    const { res, body } = await call(app, { url: '/v2/health/ready' });
    assert.equal(res.statusCode, 503);
    assert.match(body.error, /shutting down/);
    assert.equal((await call(app, { url: '/v2/health/live' })).res.statusCode, 200);
  });
});
