// Model repository extension: index, load and unload with the bodies tritonclient sends, in poll and explicit mode.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { buildTestApp, call } from '../../helper.js';
import { addBody, ScratchRepository } from '../../helpers/scratch-repository.js';

const post = (url: string, payload?: unknown) => ({ method: 'POST' as const, url, ...(payload === undefined ? {} : { payload: JSON.stringify(payload) }) });

describe('POST /v2/repository/index', () => {
  test('lists every version with state and reason, models on disk that are not loaded, and filters on ready', async (t) => {
    const repo = new ScratchRepository(t);
    repo.yaml('m', 'versionPolicy: all\n');
    repo.addVersion('m', 1);
    repo.write('m/2/model.onnx', 'garbage');
    repo.addVersion('other', 1);
    const { app } = await buildTestApp(t, { config: { models: repo.root, modelControl: 'explicit' } });
    await call(app, post('/v2/repository/models/other/unload'));
    const { res, body } = await call(app, post('/v2/repository/index'));
    assert.equal(res.statusCode, 200);
    assert.deepEqual(body.map((e: { name: string; version: string; state: string }) => [e.name, e.version, e.state]), [
      ['m', '1', 'READY'], ['m', '2', 'UNAVAILABLE'], ['other', '', 'UNAVAILABLE'],
    ]);
    assert.match(body[1].reason, /.+/);
    assert.equal(body[2].reason, 'unloaded');
    const ready = await call(app, post('/v2/repository/index', { ready: true }));
    assert.deepEqual(ready.body.map((e: { name: string; version: string }) => `${e.name}/${e.version}`), ['m/1']);
    assert.equal((await call(app, post('/v2/repository/index', { ready: 'yes' }))).res.statusCode, 400);
  });
});

describe('POST /v2/repository/models/{m}/load and /unload', () => {
  test('explicit mode: only the API loads; unload drains the model, load brings new versions in', async (t) => {
    const repo = new ScratchRepository(t);
    repo.addVersion('m', 1);
    const { app } = await buildTestApp(t, { config: { models: repo.root, modelControl: 'explicit' } });
    const infer = async () => (await call(app, { method: 'POST', url: '/v2/models/m/infer', payload: addBody(0) })).body;
    assert.equal((await infer()).model_version, '1');
    repo.addVersion('m', 2);
    await app.modelControl.poll();
    assert.equal((await infer()).model_version, '1', 'explicit mode never polls');
    const loaded = await call(app, post('/v2/repository/models/m/load'));
    assert.equal(loaded.res.statusCode, 200);
    assert.deepEqual(loaded.body, { name: 'm', load: true, versions: ['2'] });
    assert.equal((await infer()).model_version, '2');
    const unloaded = await call(app, post('/v2/repository/models/m/unload', { parameters: { unload_dependents: false } }));
    assert.deepEqual([unloaded.res.statusCode, unloaded.body], [200, { name: 'm', unload: true }]);
    assert.equal((await call(app, { method: 'POST', url: '/v2/models/m/infer', payload: addBody(0) })).res.statusCode, 404);
    assert.equal((await call(app, post('/v2/repository/models/m/unload'))).res.statusCode, 200, 'unloading again is fine');
  });

  test('poll mode: an unload sticks across polls until the next load', async (t) => {
    const repo = new ScratchRepository(t);
    repo.addVersion('m', 1);
    const { app } = await buildTestApp(t, { config: { models: repo.root, pollIntervalSeconds: 3600 } });
    assert.equal((await call(app, post('/v2/repository/models/m/unload'))).res.statusCode, 200);
    repo.addVersion('m', 2);
    await app.modelControl.poll();
    await app.modelControl.poll();
    assert.equal((await call(app, { method: 'GET', url: '/v2/models/m' })).res.statusCode, 404);
    assert.equal((await call(app, post('/v2/repository/models/m/load'))).res.statusCode, 200);
    assert.deepEqual((await call(app, { method: 'GET', url: '/v2/models/m' })).body.versions, ['2']);
    repo.addVersion('m', 3);
    await app.modelControl.poll();
    await app.modelControl.poll();
    assert.deepEqual((await call(app, { method: 'GET', url: '/v2/models/m' })).body.versions, ['3'], 'watched again after the load');
  });

  test("Triton's config parameter overrides model.yaml until a load without it", async (t) => {
    const repo = new ScratchRepository(t);
    repo.addVersion('m', 1);
    repo.addVersion('m', 2);
    const { app } = await buildTestApp(t, { config: { models: repo.root, modelControl: 'explicit' } });
    const versions = async () => (await call(app, { method: 'GET', url: '/v2/models/m' })).body.versions;
    assert.deepEqual(await versions(), ['2']);
    const res = await call(app, post('/v2/repository/models/m/load', { parameters: { config: JSON.stringify({ versionPolicy: 'all' }) } }));
    assert.deepEqual(res.body.versions, ['1', '2']);
    assert.deepEqual(await versions(), ['1', '2']);
    await call(app, post('/v2/repository/models/m/load'));
    assert.deepEqual(await versions(), ['2']);
  });

  const refusals: [string, unknown, number, RegExp][] = [
    ['config that is not JSON', { parameters: { config: '{versionPolicy' } }, 400, /parameters\.config is not valid JSON/],
    ['config that does not fit model.yaml', { parameters: { config: '{"versionPolcy": "all"}' } }, 400, /parameters\.config is invalid/],
    ['config that is not a string', { parameters: { config: { versionPolicy: 'all' } } }, 400, /parameters\.config.*expected string/],
    ['model files in parameters', { parameters: { config: '{}', 'file:1/model.onnx': 'AAAA' } }, 501, /not supported/],
  ];
  for (const [what, body, status, message] of refusals) {
    test(`load refuses ${what} (${status})`, async (t) => {
      const repo = new ScratchRepository(t);
      repo.addVersion('m', 1);
      const { app } = await buildTestApp(t, { config: { models: repo.root, modelControl: 'explicit' } });
      const res = await call(app, post('/v2/repository/models/m/load', body));
      assert.equal(res.res.statusCode, status);
      assert.match(res.body.error, message);
    });
  }

  test('load answers 404 for a model not in the repository and 400 with the reasons when nothing can serve', async (t) => {
    const repo = new ScratchRepository(t);
    repo.write('bad/1/model.onnx', 'garbage');
    const { app } = await buildTestApp(t, { config: { models: repo.root, modelControl: 'explicit' } });
    assert.equal((await call(app, post('/v2/repository/models/nope/load'))).res.statusCode, 404);
    assert.equal((await call(app, post('/v2/repository/models/nope/unload'))).res.statusCode, 404);
    assert.equal((await call(app, post('/v2/repository/models/..%2Fetc/load'))).res.statusCode, 400);
    const res = await call(app, post('/v2/repository/models/bad/load'));
    assert.equal(res.res.statusCode, 400);
    assert.match(res.body.error, /^failed to load 'bad': version 1: .+/);
  });

  test('load after a failure retries the same files (an explicit request), unlike the watcher', async (t) => {
    const repo = new ScratchRepository(t);
    repo.addVersion('m', 1);
    const { app, logs } = await buildTestApp(t, { config: { models: repo.root, modelControl: 'explicit' } });
    repo.write('m/2/model.onnx', 'garbage');
    await call(app, post('/v2/repository/models/m/load'));
    await call(app, post('/v2/repository/models/m/load'));
    assert.equal(logs.lines.filter((l) => l.version === 2 && l.msg === 'model version failed to load; it takes no traffic').length, 2);
  });
});
