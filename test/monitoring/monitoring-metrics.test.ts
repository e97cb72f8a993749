// Drift and accuracy on /metrics: in-distribution iris traffic stays under the thresholds, shifted traffic and wrong labels cross them.
import assert from 'node:assert/strict';
import { describe, test, type TestContext } from 'node:test';
import type { FastifyInstance } from 'fastify';
import { irisTraffic, type IrisRow } from '../../tools/drift/iris-traffic.js';
import { buildTestApp, call, DEFAULT_MODELS } from '../helper.js';
import { find, scrape, value, type Sample } from '../helpers/exposition.js';

const FEATURES = ['sepal_length', 'sepal_width', 'petal_length', 'petal_width'];
const V2 = { model: 'iris', version: '2' };

const irisApp = async (t: TestContext, config = {}) => (await buildTestApp(t, { config: { models: DEFAULT_MODELS, ...config } })).app;

/** Sends rows in batches of 25 to iris v2; returns the request ids with their rows. */
async function send(app: FastifyInstance, rows: IrisRow[]): Promise<{ id: string; rows: IrisRow[] }[]> {
  const sent = [];
  for (let i = 0; i < rows.length; i += 25) {
    const batch = rows.slice(i, i + 25);
    const { res, body } = await call(app, {
      method: 'POST',
      url: '/v2/models/iris/versions/2/infer',
      payload: { inputs: [{ name: 'features', datatype: 'FP32', shape: [batch.length, 4], data: batch.flatMap((r) => r.features) }] },
    });
    assert.equal(res.statusCode, 200);
    sent.push({ id: body.id as string, rows: batch });
  }
  return sent;
}

async function label(app: FastifyInstance, sent: { id: string; rows: IrisRow[] }[], labelOf: (r: IrisRow) => number): Promise<void> {
  const { body } = await call(app, { method: 'POST', url: '/v2/models/iris/feedback', payload: { items: sent.map((s) => ({ id: s.id, label: s.rows.map(labelOf) })) } });
  assert.equal(body.counts.matched, sent.length);
}

const perFeature = (samples: Sample[], name: string) => Object.fromEntries(FEATURES.map((f) => [f, value(samples, name, { ...V2, feature: f })]));

describe('drift on /metrics', () => {
  test('in-distribution traffic: every feature under its thresholds, no dataset or prediction drift', async (t) => {
    const app = await irisApp(t);
    await send(app, irisTraffic(1).sample(600));
    const s = await scrape(app);
    assert.equal(value(s, 'onnx_serve_drift_window_samples', V2), 600);
    const psi = perFeature(s, 'onnx_serve_feature_drift_psi');
    for (const f of FEATURES) {
      assert.ok(psi[f] < 0.1, `${f} PSI ${psi[f]} < 0.1`);
      assert.equal(value(s, 'onnx_serve_feature_drift_detected', { ...V2, feature: f }), 0);
      assert.equal(value(s, 'onnx_serve_feature_missing_ratio', { ...V2, feature: f }), 0);
    }
    assert.equal(value(s, 'onnx_serve_drifted_features_ratio', V2), 0);
    assert.equal(value(s, 'onnx_serve_dataset_drift_detected', V2), 0);
    assert.equal(value(s, 'onnx_serve_prediction_drift_detected', { ...V2, feature: 'label' }), 0);
    const shares = ['setosa', 'versicolor', 'virginica'].map((c) => value(s, 'onnx_serve_prediction_class_ratio', { ...V2, class: c }));
    assert.ok(Math.abs(shares.reduce((a, b) => a + b) - 1) < 1e-9);
  });

  test('shifted traffic: the shifted features, the dataset and the predictions drift', async (t) => {
    const app = await irisApp(t);
    const traffic = irisTraffic(2);
    await send(app, traffic.sample(200));
    await send(app, traffic.sample(600, true));
    const s = await scrape(app);
    const detected = perFeature(s, 'onnx_serve_feature_drift_detected');
    assert.deepEqual(detected, { sepal_length: 0, sepal_width: 1, petal_length: 1, petal_width: 1 });
    const psi = perFeature(s, 'onnx_serve_feature_drift_psi');
    assert.ok(psi.petal_length > 0.25 && psi.sepal_length < 0.1, JSON.stringify(psi));
    assert.equal(value(s, 'onnx_serve_drifted_features_ratio', V2), 0.75);
    assert.equal(value(s, 'onnx_serve_dataset_drift_detected', V2), 1);
    assert.equal(value(s, 'onnx_serve_prediction_drift_detected', { ...V2, feature: 'label' }), 1);
    assert.ok(value(s, 'onnx_serve_prediction_drift_js', { ...V2, feature: 'label' }) > 0.1);
  });

  test('below the minimum sample count only the window size is exported', async (t) => {
    const app = await irisApp(t);
    await send(app, irisTraffic(3).sample(100, true));
    const s = await scrape(app);
    assert.equal(value(s, 'onnx_serve_drift_window_samples', V2), 100);
    for (const name of ['onnx_serve_feature_drift_psi', 'onnx_serve_feature_drift_detected', 'onnx_serve_dataset_drift_detected', 'onnx_serve_drifted_features_ratio']) {
      assert.deepEqual(find(s, name, V2), [], `${name} has no verdict below 500 rows`);
    }
  });
});

describe('accuracy on /metrics', () => {
  test('right labels keep accuracy near the reference; wrong ones make it drop and count per class', async (t) => {
    const app = await irisApp(t);
    const traffic = irisTraffic(4);
    const good = await send(app, traffic.sample(200));
    await label(app, good, (r) => r.label);
    let s = await scrape(app);
    assert.equal(value(s, 'onnx_serve_model_reference_accuracy', V2), 0.9666666666666667);
    const before = value(s, 'onnx_serve_model_accuracy', V2);
    assert.ok(before > 0.95, `accuracy ${before}`);
    assert.equal(value(s, 'onnx_serve_accuracy_drop_detected', V2), 0);
    const tpBefore = ['setosa', 'versicolor', 'virginica'].reduce((n, c) => n + value(s, 'onnx_serve_class_true_positives_total', { ...V2, class: c }), 0);
    assert.equal(tpBefore, Math.round(before * 200));

    const bad = await send(app, traffic.sample(200));
    await label(app, bad, (r) => traffic.wrongLabel(r.label));
    s = await scrape(app);
    const after = value(s, 'onnx_serve_model_accuracy', V2);
    assert.ok(after < 0.55, `accuracy ${after} after 200 wrong labels`);
    assert.ok(Math.abs(value(s, 'onnx_serve_model_accuracy_drop', V2) - (0.9666666666666667 - after)) < 1e-12);
    assert.equal(value(s, 'onnx_serve_accuracy_drop_detected', V2), 1);
    assert.equal(value(s, 'onnx_serve_feedback_window_samples', V2), 400);
    assert.equal(value(s, 'onnx_serve_feedback_total', { ...V2, outcome: 'matched' }), 16, '8 batches of 25 rows, twice');
    const fn = ['setosa', 'versicolor', 'virginica'].reduce((n, c) => n + value(s, 'onnx_serve_class_false_negatives_total', { ...V2, class: c }), 0);
    const fp = ['setosa', 'versicolor', 'virginica'].reduce((n, c) => n + value(s, 'onnx_serve_class_false_positives_total', { ...V2, class: c }), 0);
    assert.equal(fn, fp, 'every wrong row is one false positive and one false negative');
    assert.equal(fn, 400 - Math.round(after * 400));
  });

  test('counts unknown ids without a version label and pre-creates outcome series at 0', async (t) => {
    const app = await irisApp(t);
    await call(app, { method: 'POST', url: '/v2/models/iris/feedback', payload: { items: [{ id: 'never', label: 0 }] } });
    const s = await scrape(app);
    assert.equal(value(s, 'onnx_serve_feedback_total', { model: 'iris', version: '', outcome: 'unknown' }), 1);
    assert.equal(value(s, 'onnx_serve_feedback_total', { ...V2, outcome: 'matched' }), 0);
    assert.equal(value(s, 'onnx_serve_feedback_total', { model: 'iris', version: '1', outcome: 'expired' }), 0);
  });
});

describe('series', () => {
  const MONITORING = /^onnx_serve_(drift|feature|prediction|dataset|drifted|feedback|model_(accuracy|reference|mae|rmse|error)|accuracy|class)(_|$)/;

  test('use only the labels model, version, feature, class and outcome', async (t) => {
    const app = await irisApp(t);
    const sent = await send(app, irisTraffic(5).sample(600));
    await label(app, sent, (r) => r.label);
    const names = new Set<string>();
    for (const sample of (await scrape(app)).filter((x) => MONITORING.test(x.name))) {
      names.add(sample.name);
      for (const l of Object.keys(sample.labels)) assert.ok(['model', 'version', 'feature', 'class', 'outcome'].includes(l), `${sample.name} has label ${l}`);
    }
    assert.deepEqual([...names].sort(), [
      'onnx_serve_accuracy_drop_detected', 'onnx_serve_class_false_negatives_total', 'onnx_serve_class_false_positives_total',
      'onnx_serve_class_true_positives_total', 'onnx_serve_dataset_drift_detected', 'onnx_serve_drift_window_samples',
      'onnx_serve_drifted_features_ratio', 'onnx_serve_feature_drift_detected', 'onnx_serve_feature_drift_ks', 'onnx_serve_feature_drift_psi',
      'onnx_serve_feature_missing_ratio', 'onnx_serve_feedback_total', 'onnx_serve_feedback_window_samples', 'onnx_serve_model_accuracy',
      'onnx_serve_model_accuracy_drop', 'onnx_serve_model_reference_accuracy', 'onnx_serve_prediction_class_ratio',
      'onnx_serve_prediction_drift_detected', 'onnx_serve_prediction_drift_js', 'onnx_serve_prediction_drift_linf',
    ]);
  });

  test("of a version disappear when it unloads, and come back empty when it loads again", async (t) => {
    const app = await irisApp(t);
    const sent = await send(app, irisTraffic(6).sample(600));
    await label(app, sent, (r) => r.label);
    await app.dataPlane.registry.unloadModel('iris');
    await new Promise((r) => setImmediate(r));
    assert.deepEqual((await scrape(app)).filter((x) => MONITORING.test(x.name) && x.labels.model === 'iris' && x.labels.version !== ''), []);
    await app.dataPlane.registry.loadModel('iris');
    const s = await scrape(app);
    assert.equal(value(s, 'onnx_serve_drift_window_samples', V2), 0);
    assert.equal(value(s, 'onnx_serve_feedback_total', { ...V2, outcome: 'matched' }), 0);
  });

  test('are absent when the server runs with --monitoring false', async (t) => {
    const app = await irisApp(t, { monitoring: false });
    await send(app, irisTraffic(7).sample(50));
    assert.deepEqual((await scrape(app)).filter((x) => MONITORING.test(x.name)), []);
  });
});
