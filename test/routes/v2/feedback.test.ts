// POST /v2/models/{m}/feedback and GET /v2/models/{m}/monitoring on the real app with the iris demo models.
import assert from 'node:assert/strict';
import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, test, type TestContext } from 'node:test';
import type { FastifyInstance } from 'fastify';
import { MAX_FEEDBACK_ITEMS } from '../../../src/schemas/monitoring.js';
import { irisTraffic } from '../../../tools/drift/iris-traffic.js';
import { buildTestApp, call, DEFAULT_MODELS } from '../../helper.js';

const scratch = mkdtempSync(join(tmpdir(), 'onnx-serve-feedback-test-'));
after(() => rmSync(scratch, { recursive: true, force: true }));

const irisApp = async (t: TestContext, config = {}, deps = {}) => (await buildTestApp(t, { config: { models: DEFAULT_MODELS, ...config }, deps })).app;
const feedback = (app: FastifyInstance, items: unknown, model = 'iris') => call(app, { method: 'POST', url: `/v2/models/${model}/feedback`, payload: { items } });
const status = (app: FastifyInstance, model = 'iris') => call(app, { url: `/v2/models/${model}/monitoring` });
const v2 = (app: FastifyInstance, rows: number[][], extra: { id?: string; headers?: Record<string, string>; url?: string } = {}) =>
  call(app, {
    method: 'POST',
    url: extra.url ?? '/v2/models/iris/infer',
    headers: extra.headers,
    payload: { ...(extra.id === undefined ? {} : { id: extra.id }), inputs: [{ name: 'features', datatype: 'FP32', shape: [rows.length, 4], data: rows.flat() }] },
  });

const SETOSA = [5.1, 3.5, 1.4, 0.2];
const VIRGINICA = [6.7, 3.0, 5.2, 2.3];

describe('feedback joins ground truth to predictions by id', () => {
  test("matches a V2 prediction by the body's id and names the version that made it", async (t) => {
    const app = await irisApp(t);
    assert.equal((await v2(app, [SETOSA], { id: 'order-17' })).body.id, 'order-17');
    const { res, body } = await feedback(app, [{ id: 'order-17', label: 'setosa' }]);
    assert.equal(res.statusCode, 200);
    assert.deepEqual(body, { results: [{ id: 'order-17', outcome: 'matched', version: '2' }], counts: { matched: 1, unknown: 0, expired: 0, duplicate: 0, invalid: 0 } });
  });

  test('without a body id, the V2 response id is the X-Request-Id (given or generated), and feedback takes it', async (t) => {
    const app = await irisApp(t);
    const given = await v2(app, [SETOSA], { headers: { 'x-request-id': 'trace-abc' } });
    assert.equal(given.body.id, 'trace-abc');
    const generated = await v2(app, [SETOSA]);
    assert.equal(generated.body.id, generated.res.headers['x-request-id']);
    const { body } = await feedback(app, [{ id: 'trace-abc', label: 0 }, { id: generated.body.id, label: 0 }]);
    assert.deepEqual(body.counts.matched, 2);
  });

  test('a V1 :predict is named by its X-Request-Id response header; a batch takes one label per row', async (t) => {
    const app = await irisApp(t);
    const res = await app.inject({ method: 'POST', url: '/v1/models/iris/versions/1:predict', payload: { instances: [SETOSA, VIRGINICA] } });
    const id = String(res.headers['x-request-id']);
    assert.match(id, /^[0-9a-f-]{36}$/);
    const wrongCount = await feedback(app, [{ id, label: 'setosa' }]);
    assert.deepEqual(wrongCount.body.results, [{ id, outcome: 'invalid', version: '1', error: 'the prediction has 2 rows, the feedback 1' }]);
    const { body } = await feedback(app, [{ id, label: ['setosa', 'virginica'] }]);
    assert.deepEqual(body.results, [{ id, outcome: 'matched', version: '1' }]);
  });

  test('answers each item of a batch: matched, duplicate (first label wins), unknown, invalid', async (t) => {
    const app = await irisApp(t);
    await v2(app, [SETOSA], { id: 'a' });
    await v2(app, [SETOSA], { id: 'b' });
    const { body } = await feedback(app, [
      { id: 'a', label: 'setosa' },
      { id: 'a', label: 'virginica' },
      { id: 'nobody', label: 'setosa' },
      { id: 'b', label: 'tulip' },
      { id: 'b', value: 1.5 },
    ]);
    assert.deepEqual(body.results.map((r: { outcome: string }) => r.outcome), ['matched', 'duplicate', 'unknown', 'invalid', 'invalid']);
    assert.equal(body.results[3].error, "unknown class 'tulip'");
    assert.equal(body.results[4].error, '\'label\' is a classification output: give "label"');
    assert.deepEqual(body.counts, { matched: 1, unknown: 1, expired: 0, duplicate: 1, invalid: 2 });
    const again = await feedback(app, [{ id: 'b', label: 2 }]);
    assert.equal(again.body.results[0].outcome, 'matched', 'an invalid item labels nothing and can be resent');
    const { body: s } = await status(app);
    assert.equal(s.versions[1].accuracy.samples, 2, 'only the two matched rows count');
  });

  test('answers expired once the TTL has passed, and for predictions of a version that was unloaded', async (t) => {
    const clock = { now: 1_000_000 };
    const app = await irisApp(t, { feedbackTtlSeconds: 60 }, { now: () => clock.now });
    await v2(app, [SETOSA], { id: 'late' });
    await v2(app, [SETOSA], { id: 'early', url: '/v2/models/iris/versions/1/infer' });
    clock.now += 61_000;
    assert.equal((await feedback(app, [{ id: 'late', label: 0 }])).body.results[0].outcome, 'expired');
    const fresh = await irisApp(t);
    await v2(fresh, [SETOSA], { id: 'gone' });
    await fresh.dataPlane.registry.unloadModel('iris');
    await fresh.dataPlane.registry.loadModel('iris');
    assert.equal((await feedback(fresh, [{ id: 'gone', label: 0 }])).body.results[0].outcome, 'expired');
  });
});

describe('feedback requests that are refused whole', () => {
  const bad: [string, unknown, RegExp][] = [
    ['no items', [], /items/],
    [`more than ${MAX_FEEDBACK_ITEMS} items`, Array.from({ length: MAX_FEEDBACK_ITEMS + 1 }, (_, i) => ({ id: `x${i}`, label: 0 })), /items/],
    ['both label and value', [{ id: 'a', label: 0, value: 1 }], /exactly one of "label" and "value"/],
    ['neither label nor value', [{ id: 'a' }], /exactly one of "label" and "value"/],
    ['an unknown key', [{ id: 'a', label: 0, weight: 2 }], /Unrecognized key/],
    ['an empty id', [{ id: '', label: 0 }], /items\.0\.id/],
    ['a negative class index', [{ id: 'a', label: -1 }], /items\.0\.label/],
  ];
  for (const [what, items, message] of bad) {
    test(`answers 400 for ${what}`, async (t) => {
      const { res, body } = await feedback(await irisApp(t), items);
      assert.equal(res.statusCode, 400);
      assert.match(body.error, message);
    });
  }

  test('answers 404 for an unknown model, on both routes', async (t) => {
    const app = await irisApp(t);
    for (const { res, body } of [await feedback(app, [{ id: 'a', label: 0 }], 'nope'), await status(app, 'nope')]) {
      assert.equal(res.statusCode, 404);
      assert.equal(body.error, "Model 'nope' not found");
    }
  });

  test('answers 400 with the reason when the model does not take feedback (monitoring.enabled: false)', async (t) => {
    const repo = join(scratch, 'disabled');
    cpSync(join(DEFAULT_MODELS, 'iris'), join(repo, 'iris'), { recursive: true });
    writeFileSync(join(repo, 'iris', 'model.yaml'), 'monitoring:\n  enabled: false\n');
    const app = (await buildTestApp(t, { config: { models: repo } })).app;
    const { res, body } = await feedback(app, [{ id: 'a', label: 0 }]);
    assert.equal(res.statusCode, 400);
    assert.match(body.error, /model 'iris' takes no feedback/);
    assert.deepEqual((await status(app)).body, { name: 'iris', versions: [] });
  });

  test('answers 501 on both routes when the server runs with --monitoring false', async (t) => {
    const app = await irisApp(t, { monitoring: false });
    for (const { res, body } of [await feedback(app, [{ id: 'a', label: 0 }]), await status(app)]) {
      assert.equal(res.statusCode, 501);
      assert.match(body.error, /monitoring is off/);
    }
  });
});

describe('GET /v2/models/{m}/monitoring', () => {
  test("reports each version's profile hash, window and live figures once there are enough rows", async (t) => {
    const app = await irisApp(t);
    const traffic = irisTraffic(1);
    const rows = traffic.sample(600);
    for (let i = 0; i < rows.length; i += 50) {
      const batch = rows.slice(i, i + 50);
      const { body } = await v2(app, batch.map((r) => r.features), { id: `batch-${i}` });
      await feedback(app, [{ id: body.id, label: batch.map((r) => r.label) }]);
    }
    const { res, body } = await status(app);
    assert.equal(res.statusCode, 200);
    const [v1, v2s] = body.versions;
    assert.equal(v1.version, '1');
    assert.equal(v1.drift.samples, 0);
    assert.equal(v1.drift.ready, false);
    assert.equal(v2s.profile_hash, JSON.parse(readFileSync(join(DEFAULT_MODELS, 'iris/2/profile.json'), 'utf8')).hash);
    assert.deepEqual([v2s.drift.samples, v2s.drift.min_samples, v2s.drift.ready, v2s.drift.window_seconds], [600, 500, true, 3600]);
    assert.deepEqual(v2s.drift.features.map((f: { name: string }) => f.name), ['sepal_length', 'sepal_width', 'petal_length', 'petal_width']);
    assert.equal(v2s.drift.dataset_drifted, false);
    assert.deepEqual([v2s.accuracy.task, v2s.accuracy.output, v2s.accuracy.samples, v2s.accuracy.ready], ['classification', 'label', 600, true]);
    assert.ok(v2s.accuracy.accuracy > 0.95, `accuracy ${v2s.accuracy.accuracy}`);
    assert.equal(v2s.accuracy.reference_accuracy, 0.9666666666666667);
    assert.deepEqual(v2s.notes, []);
  });

  test('a hand-edited profile.json is refused with its reason: the version serves, unmonitored for drift', async (t) => {
    const repo = join(scratch, 'edited');
    cpSync(join(DEFAULT_MODELS, 'iris'), join(repo, 'iris'), { recursive: true });
    const path = join(repo, 'iris', '2', 'profile.json');
    const profile = JSON.parse(readFileSync(path, 'utf8'));
    profile.performance.accuracy = 1;
    writeFileSync(path, JSON.stringify(profile));
    const { app, logs } = await buildTestApp(t, { config: { models: repo } });
    assert.equal((await v2(app, [SETOSA])).res.statusCode, 200);
    const v2s = (await status(app)).body.versions.find((v: { version: string }) => v.version === '2');
    assert.equal(v2s.drift, undefined);
    assert.match(v2s.notes[0], /hash does not match its content/);
    assert.equal(v2s.accuracy.reference_accuracy, undefined, 'nothing is taken from a refused profile');
    assert.ok(logs.lines.some((l) => l.msg === 'profile.json unusable; the version serves without drift monitoring' && l.version === 2));
  });

  test('a profile built for other features than model.yaml declares is noted, and drift is off', async (t) => {
    const repo = join(scratch, 'renamed');
    cpSync(join(DEFAULT_MODELS, 'iris'), join(repo, 'iris'), { recursive: true });
    const yaml = readFileSync(join(repo, 'iris', 'model.yaml'), 'utf8').replace('sepal_length, sepal_width', 'sepal_len, sepal_wid');
    writeFileSync(join(repo, 'iris', 'model.yaml'), yaml);
    const { app } = await buildTestApp(t, { config: { models: repo } });
    for (const v of (await status(app)).body.versions) {
      assert.equal(v.drift, undefined);
      assert.match(v.notes.join(' '), /profile.json was built for other features than model.yaml declares/);
      assert.equal(v.accuracy.output, 'label', 'feedback still works');
    }
  });

  test('a regression model takes "value" feedback and reports live MAE and RMSE', async (t) => {
    const { app } = await buildTestApp(t);
    const x = Array.from({ length: 100 }, (_, i) => i);
    const { body } = await call(app, {
      method: 'POST',
      url: '/v2/models/two-versions/versions/2/infer',
      payload: { id: 'prices-1', inputs: [{ name: 'x', datatype: 'FP32', shape: [100, 1], data: x }] },
    });
    assert.deepEqual(body.outputs[0].data.slice(0, 3), [2, 3, 4], 'y = x + 2');
    const observed = x.map((v, i) => v + 2 + (i % 2 === 0 ? 0.5 : -1.5));
    const { body: fb } = await feedback(app, [{ id: 'prices-1', value: observed }], 'two-versions');
    assert.equal(fb.results[0].outcome, 'matched');
    const v2s = (await status(app, 'two-versions')).body.versions.find((v: { version: string }) => v.version === '2');
    assert.deepEqual([v2s.accuracy.task, v2s.accuracy.output, v2s.accuracy.samples], ['regression', 'y', 100]);
    assert.equal(v2s.accuracy.mae, 1);
    assert.equal(v2s.accuracy.rmse, Math.sqrt((0.25 + 2.25) / 2));
    assert.equal(v2s.accuracy.error_increase, undefined, 'no profile, no reference MAE');
  });
});
