// Statistics extension: Triton's model_stats with count/ns pairs, per version, removed when a version unloads.
import assert from 'node:assert/strict';
import { describe, test, type TestContext } from 'node:test';
import { buildTestApp, call } from '../../helper.js';
import { ScratchRepository } from '../../helpers/scratch-repository.js';

const infer = (model: string, rows: number, version?: number) => ({
  method: 'POST' as const,
  url: version === undefined ? `/v2/models/${model}/infer` : `/v2/models/${model}/versions/${version}/infer`,
  payload: JSON.stringify({ inputs: [{ name: 'x', datatype: 'FP32', shape: [rows, 1], data: new Array(rows).fill(1) }] }),
});

async function statsApp(t: TestContext) {
  const repo = new ScratchRepository(t);
  repo.yaml('m', 'versionPolicy: all\n');
  repo.addVersion('m', 1);
  repo.addVersion('m', 2);
  repo.addVersion('n', 1);
  const built = await buildTestApp(t, { config: { models: repo.root, pollIntervalSeconds: 3600 } });
  return { ...built, repo };
}

describe('GET /v2/models/stats', () => {
  test('counts successes, failures, rows and executions with count/ns for every phase', async (t) => {
    const { app } = await statsApp(t);
    const before = Date.now();
    for (const rows of [1, 1, 3]) assert.equal((await app.inject(infer('m', rows))).statusCode, 200);
    const bad = await app.inject({ method: 'POST', url: '/v2/models/m/infer', payload: JSON.stringify({ inputs: [{ name: 'x', datatype: 'FP32', shape: [1, 2], data: [1, 2] }] }) });
    assert.equal(bad.statusCode, 400);
    const { res, body } = await call(app, { method: 'GET', url: '/v2/models/m/versions/2/stats' });
    assert.equal(res.statusCode, 200);
    const [stat] = body.model_stats;
    assert.equal(stat.name, 'm');
    assert.equal(stat.version, '2');
    assert.equal(stat.inference_count, 5, 'rows of every successful request');
    assert.equal(stat.execution_count, 3);
    assert.ok(stat.last_inference >= before && stat.last_inference <= Date.now());
    const s = stat.inference_stats;
    for (const phase of ['success', 'queue', 'compute_input', 'compute_infer', 'compute_output']) assert.equal(s[phase].count, 3, phase);
    assert.equal(s.fail.count, 1);
    for (const phase of ['success', 'compute_infer', 'fail']) assert.ok(s[phase].ns > 0, `${phase} has a duration`);
    assert.ok(s.success.ns >= s.compute_infer.ns, 'a request takes at least its compute time');
    assert.deepEqual(s.cache_hit, { count: 0, ns: 0 });
    assert.deepEqual(stat.batch_stats.map((b: { batch_size: number; compute_infer: { count: number } }) => [b.batch_size, b.compute_infer.count]), [[1, 2], [3, 1]]);
    assert.deepEqual([stat.response_stats, stat.memory_usage], [{}, []]);
  });

  test('lists every loaded version; a model lists its own; unknown names are 404', async (t) => {
    const { app } = await statsApp(t);
    await app.inject(infer('n', 1));
    const all = await call(app, { method: 'GET', url: '/v2/models/stats' });
    assert.deepEqual(all.body.model_stats.map((s: { name: string; version: string }) => `${s.name}/${s.version}`), ['m/1', 'm/2', 'n/1']);
    const m = await call(app, { method: 'GET', url: '/v2/models/m/stats' });
    assert.deepEqual(m.body.model_stats.map((s: { version: string }) => s.version), ['1', '2']);
    assert.equal((await app.inject({ method: 'GET', url: '/v2/models/nope/stats' })).statusCode, 404);
    assert.equal((await app.inject({ method: 'GET', url: '/v2/models/m/versions/9/stats' })).statusCode, 404);
    assert.equal((await app.inject({ method: 'GET', url: '/v2/models/m/versions/0/stats' })).statusCode, 400);
  });

  test("a version's statistics go when it is unloaded and start from zero when it comes back", async (t) => {
    const { app, repo } = await statsApp(t);
    await app.inject(infer('m', 1, 1));
    repo.remove('m', 1);
    await app.modelControl.poll();
    assert.equal((await app.inject({ method: 'GET', url: '/v2/models/m/versions/1/stats' })).statusCode, 404);
    repo.addVersion('m', 1);
    await app.modelControl.poll();
    await app.modelControl.poll();
    const back = await call(app, { method: 'GET', url: '/v2/models/m/versions/1/stats' });
    assert.equal(back.body.model_stats[0].inference_count, 0);
  });

  test('a version that failed to load has no statistics: 400 with its reason', async (t) => {
    const repo = new ScratchRepository(t);
    repo.yaml('m', 'versionPolicy: all\n');
    repo.addVersion('m', 1);
    repo.write('m/2/model.onnx', 'garbage');
    const { app } = await buildTestApp(t, { config: { models: repo.root } });
    const res = await call(app, { method: 'GET', url: '/v2/models/m/versions/2/stats' });
    assert.equal(res.res.statusCode, 400);
    assert.match(res.body.error, /not ready/);
  });
});
