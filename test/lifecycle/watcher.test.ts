// Watching the repository (poll mode): new, changed, half-copied, corrupted and removed versions, and model.yaml changes.
import assert from 'node:assert/strict';
import { appendFileSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, test, type TestContext } from 'node:test';
import { Registry } from 'prom-client';
import { packVersion } from '../../src/repository/pack.js';
import { buildTestApp, call } from '../helper.js';
import { addConstantModel } from '../helpers/fixture-models.js';
import { addBody, ScratchRepository } from '../helpers/scratch-repository.js';

/** The real app over a scratch repository; polls only when the test says (app.modelControl.poll()). */
async function watchedApp(t: TestContext, repo: ScratchRepository) {
  const metricsRegistry = new Registry();
  const built = await buildTestApp(t, { config: { models: repo.root, pollIntervalSeconds: 3600 }, deps: { metricsRegistry } });
  const infer = async (model = 'm', version?: number) => {
    const url = version === undefined ? `/v2/models/${model}/infer` : `/v2/models/${model}/versions/${version}/infer`;
    const { res, body } = await call(built.app, { method: 'POST', url, payload: addBody(0) });
    return { status: res.statusCode, version: body?.model_version as string | undefined, y: body?.outputs?.[0]?.data?.[0] as number | undefined, error: body?.error as string | undefined };
  };
  const index = async () => (await call(built.app, { method: 'POST', url: '/v2/repository/index' })).body as { name: string; version: string; state: string; reason: string }[];
  const poll = () => built.app.modelControl.poll();
  const failures = async (reason?: string) => {
    const metric = (await metricsRegistry.getSingleMetric('onnx_serve_model_load_failures_total')!.get()).values;
    return metric.filter((v) => reason === undefined || v.labels.reason === reason).reduce((sum, v) => sum + v.value, 0);
  };
  return { ...built, infer, index, poll, failures };
}

describe('repository watcher', () => {
  test('a new version is loaded once complete and takes traffic; a half-copied one is ignored until then', async (t) => {
    const repo = new ScratchRepository(t);
    repo.addVersion('m', 1);
    const { infer, index, poll } = await watchedApp(t, repo);
    assert.deepEqual(await infer(), { status: 200, version: '1', y: 1, error: undefined });

    const bytes = addConstantModel('m', 2);
    repo.write('m/2/model.onnx', bytes.subarray(0, Math.floor(bytes.length / 2)));
    await poll();
    assert.equal((await infer()).version, '1', 'half a file: not loaded');
    assert.deepEqual((await index()).map((e) => e.version), ['1'], 'not even attempted (no failure to report)');
    appendFileSync(repo.path('m', 2, 'model.onnx'), bytes.subarray(Math.floor(bytes.length / 2)));
    await poll();
    assert.equal((await infer()).version, '1', 'just finished changing: waits one more poll');
    await poll();
    assert.deepEqual(await infer(), { status: 200, version: '2', y: 2, error: undefined });
    assert.equal((await infer('m', 1)).status, 404, 'latest: 1 unloads the old version once the new one serves');
  });

  test('a version with a complete manifest is taken on the first poll that sees it, an incomplete one is not', async (t) => {
    const repo = new ScratchRepository(t);
    repo.addVersion('m', 1);
    const { infer, poll } = await watchedApp(t, repo);
    const staging = new ScratchRepository(t);
    await packVersion(staging.addVersion('m', 2));
    const model = readFileSync(join(staging.path('m', 2), 'model.onnx'));
    repo.write('m/2/manifest.json', readFileSync(join(staging.path('m', 2), 'manifest.json')));
    repo.write('m/2/model.onnx', model.subarray(0, 10));
    await poll();
    assert.equal((await infer()).version, '1', 'manifest present but the model is still short');
    writeFileSync(repo.path('m', 2, 'model.onnx'), model);
    await poll();
    assert.equal((await infer()).version, '2', 'complete per the manifest: no second poll needed');
  });

  test('a corrupted version is refused with its reason in the index, logs and metrics while the old one keeps serving', async (t) => {
    const repo = new ScratchRepository(t);
    await packVersion(repo.addVersion('m', 1));
    const { infer, index, poll, logs, failures } = await watchedApp(t, repo);
    const dir = repo.addVersion('m', 2);
    await packVersion(dir);
    const bytes = readFileSync(join(dir, 'model.onnx'));
    bytes[bytes.length - 3] ^= 0x55;
    writeFileSync(join(dir, 'model.onnx'), bytes);
    await poll();
    await poll();
    const v2 = (await index()).find((e) => e.version === '2');
    assert.equal(v2?.state, 'UNAVAILABLE');
    assert.match(v2!.reason, /model\.onnx does not match its SHA-256/);
    assert.deepEqual(await infer(), { status: 200, version: '1', y: 1, error: undefined });
    assert.equal(await failures('integrity'), 1);
    assert.ok(logs.lines.some((l) => l.version === 2 && /SHA-256/.test(String(l.reason)) && l.kind === 'integrity'));
    await poll();
    await poll();
    assert.equal(await failures(), 1, 'the same bad files are not retried on every poll');
    await packVersion(repo.addVersion('m', 2));
    await poll();
    await poll();
    assert.equal((await infer()).version, '2', 'fixed files are retried');
  });

  test('a truncated, an invalid and an unreadable model each stay out of traffic with a reason', async (t) => {
    const repo = new ScratchRepository(t);
    repo.yaml('m', 'versionPolicy: all\n');
    repo.addVersion('m', 1);
    const { infer, index, poll } = await watchedApp(t, repo);
    repo.write('m/2/model.onnx', addConstantModel('m', 2).subarray(0, 30));
    repo.write('m/3/model.onnx', 'not a model at all');
    repo.write('m/4/model.onnx/oops', 'a directory where the model file should be');
    await poll();
    await poll();
    const reasons = Object.fromEntries((await index()).map((e) => [e.version, `${e.state}: ${e.reason}`]));
    assert.equal(reasons['1'], 'READY: ');
    for (const v of ['2', '3', '4']) assert.match(reasons[v], /^UNAVAILABLE: .+/, `version ${v}`);
    assert.match(reasons['4'], /EISDIR|directory/i);
    assert.deepEqual(await infer(), { status: 200, version: '1', y: 1, error: undefined });
    assert.equal((await infer('m', 3)).status, 400);
  });

  test('removing a version unloads it; removing the model directory unloads the model', async (t) => {
    const repo = new ScratchRepository(t);
    repo.yaml('m', 'versionPolicy: all\n');
    repo.addVersion('m', 1);
    repo.addVersion('m', 2);
    const { infer, poll, app } = await watchedApp(t, repo);
    assert.equal((await infer('m', 2)).status, 200);
    repo.remove('m', 2);
    await poll();
    assert.equal((await infer('m', 2)).status, 404);
    assert.equal((await infer()).version, '1');
    repo.remove('m');
    await poll();
    assert.equal((await infer()).status, 404);
    assert.deepEqual((await call(app, { method: 'GET', url: '/v2/models' })).body.models.includes('m'), false);
  });

  test('a changed model.yaml is applied once it is stable; an invalid one leaves the serving versions alone', async (t) => {
    const repo = new ScratchRepository(t);
    repo.addVersion('m', 1);
    repo.addVersion('m', 2);
    const { infer, poll } = await watchedApp(t, repo);
    assert.equal((await infer('m', 1)).status, 404, 'default policy: latest 1');
    repo.yaml('m', 'versionPolicy: all\n');
    await poll();
    await poll();
    assert.equal((await infer('m', 1)).status, 200);
    repo.yaml('m', 'versionPolcy: all\n');
    await poll();
    await poll();
    assert.equal((await infer('m', 1)).status, 200, 'a typo in model.yaml does not take serving versions down');
    assert.equal((await infer()).version, '2');
  });

  test("a serving version whose files change is reloaded beside the old copy and swapped in", async (t) => {
    const repo = new ScratchRepository(t);
    repo.addVersion('m', 1);
    const { infer, poll, index } = await watchedApp(t, repo);
    repo.addVersion('m', 1, 10);
    await poll();
    assert.equal((await infer()).y, 1, 'changing: the old copy serves');
    await poll();
    assert.deepEqual(await infer(), { status: 200, version: '1', y: 10, error: undefined });
    repo.write('m/1/model.onnx', 'garbage');
    await poll();
    await poll();
    const entry = (await index()).find((e) => e.version === '1')!;
    assert.equal(entry.state, 'READY');
    assert.match(entry.reason, /new copy failed to load.*still serving the previous copy/);
    assert.equal((await infer()).y, 10);
  });
});
