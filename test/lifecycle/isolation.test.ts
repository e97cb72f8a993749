// Failure isolation: a model that hangs or crashes onnxruntime is kept away from the server's process.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { Registry } from 'prom-client';
import { createLoadProbe } from '../../src/inference/load-probe.js';
import type { LoadProbe } from '../../src/registry/version-loader.js';
import { buildTestApp, call } from '../helper.js';
import { addConstantModel } from '../helpers/fixture-models.js';
import { hangModel } from '../helpers/lifecycle-models.js';
import { addBody, ScratchRepository } from '../helpers/scratch-repository.js';

const index = async (app: Parameters<typeof call>[0]) =>
  (await call(app, { method: 'POST', url: '/v2/repository/index' })).body as { name: string; version: string; state: string; reason: string }[];

describe('load probe', () => {
  test('a model whose warm-up never ends is refused after the load timeout, and the server answers meanwhile', async (t) => {
    const repo = new ScratchRepository(t);
    repo.addVersion('m', 1);
    const { app } = await buildTestApp(t, { config: { models: repo.root, loadProbe: true, loadTimeoutSeconds: 8, pollIntervalSeconds: 3600 } });
    repo.write('m/2/model.onnx', hangModel());
    await app.modelControl.poll();
    const loading = app.modelControl.poll();
    let answeredWhileLoading = 0;
    let loaded = false;
    void loading.then(() => (loaded = true));
    while (!loaded) {
      const { res, body } = await call(app, { method: 'POST', url: '/v2/models/m/infer', payload: addBody(0) });
      assert.equal(res.statusCode, 200);
      assert.equal(body.model_version, '1');
      answeredWhileLoading++;
      await new Promise((r) => setTimeout(r, 100));
    }
    assert.ok(answeredWhileLoading >= 5, `served ${answeredWhileLoading} requests during the probe`);
    const v2 = (await index(app)).find((e) => e.version === '2')!;
    assert.equal(v2.state, 'UNAVAILABLE');
    // NOTE: the 8 s cover starting the child, loading and warming up; on a slow machine the load itself may use them up.
    assert.match(v2.reason, /took longer than 8 s.*the process was killed/);
  });

  test('a model that crashes the loading process is refused with the signal, counted, and the old version serves', async (t) => {
    const repo = new ScratchRepository(t);
    repo.addVersion('m', 1);
    const crashing = createLoadProbe({ loadTimeoutMs: 60_000, entry: new URL('../helpers/crashing-session.ts', import.meta.url) });
    const realProbe = createLoadProbe({ loadTimeoutMs: 60_000 });
    // NOTE: version 1 goes through the real probe; the bytes of the graph named 'crash-me' go to a child that segfaults.
    const probe: LoadProbe = (bytes, options, warmup) => (Buffer.from(bytes).includes('crash-me') ? crashing : realProbe)(bytes, options, warmup);
    const metricsRegistry = new Registry();
    const { app, logs } = await buildTestApp(t, { config: { models: repo.root, pollIntervalSeconds: 3600 }, deps: { probe, metricsRegistry } });
    repo.write('m/2/model.onnx', addConstantModel('crash-me', 2));
    await app.modelControl.poll();
    await app.modelControl.poll();
    const v2 = (await index(app)).find((e) => e.version === '2')!;
    assert.equal(v2.state, 'UNAVAILABLE');
    assert.match(v2.reason, /onnxruntime's process was killed by SIGSEGV while loading the model/);
    assert.equal((await call(app, { method: 'POST', url: '/v2/models/m/infer', payload: addBody(0) })).body.model_version, '1');
    const failures = (await metricsRegistry.getSingleMetric('onnx_serve_model_load_failures_total')!.get()).values;
    assert.deepEqual(failures.map((v) => [v.labels.reason, v.value]), [['crash', 1]]);
    assert.ok(logs.lines.some((l) => l.kind === 'crash' && l.version === 2));
  });
});

describe('process backend', () => {
  test('serves from a child process; when that process dies the version leaves traffic and the older one takes over', async (t) => {
    const repo = new ScratchRepository(t);
    repo.addVersion('m', 1);
    repo.addVersion('m', 2);
    const { app } = await buildTestApp(t, { config: { models: repo.root, backend: 'process', pollIntervalSeconds: 3600 } });
    const infer = async () => (await call(app, { method: 'POST', url: '/v2/models/m/infer', payload: addBody(5) })).body;
    assert.deepEqual([(await infer()).model_version, (await infer()).outputs[0].data], ['2', [7]]);
    const pid = (app.dataPlane.registry.resolve('m').backend as unknown as { pid: number }).pid;
    assert.ok(pid > 0 && pid !== process.pid);
    process.kill(pid, 'SIGSEGV');
    let answer = await infer();
    for (let i = 0; i < 50 && answer.model_version !== '1'; i++) {
      await new Promise((r) => setTimeout(r, 100));
      answer = await infer();
    }
    assert.equal(answer.model_version, '1', 'version 1 took over');
    assert.deepEqual(answer.outputs[0].data, [6]);
    const v2 = (await index(app)).find((e) => e.version === '2')!;
    assert.equal(v2.state, 'UNAVAILABLE');
    assert.match(v2.reason, /the inference process was killed by SIGSEGV while serving; reload it to try again/);
  });

  test('unloading a version ends its process', async (t) => {
    const repo = new ScratchRepository(t);
    repo.addVersion('m', 1);
    const { app } = await buildTestApp(t, { config: { models: repo.root, backend: 'process', modelControl: 'explicit' } });
    const pid = (app.dataPlane.registry.resolve('m').backend as unknown as { pid: number }).pid;
    assert.equal((await app.inject({ method: 'POST', url: '/v2/repository/models/m/unload' })).statusCode, 200);
    assert.throws(() => process.kill(pid, 0), /ESRCH/);
  });
});
