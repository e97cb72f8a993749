// GET /metrics and the monitoring hooks behind it: request counts and latency per model/version/protocol, model states, bounded labels.
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import type { AddressInfo } from 'node:net';
import { describe, test, type TestContext } from 'node:test';
import type { FastifyInstance } from 'fastify';
import { register as globalRegister, Registry } from 'prom-client';
import { buildTestApp, call, DEFAULT_MODELS, gatedBackend } from '../helper.js';
import { find, parseExposition, scrape, value } from '../helpers/exposition.js';

const ROW = [5.1, 3.5, 1.4, 0.2];
const v2Infer = (app: FastifyInstance, model = 'iris', url = `/v2/models/${model}/infer`) =>
  call(app, { method: 'POST', url, payload: { inputs: [{ name: 'features', datatype: 'FP32', shape: [1, 4], data: ROW }] } });
const v1Predict = (app: FastifyInstance, model = 'iris', url = `/v1/models/${model}:predict`) =>
  call(app, { method: 'POST', url, payload: { instances: [ROW] } });

/** Polls `check` until it holds (the server notices a closed socket asynchronously); fails after ~2 s. */
async function waitFor(check: () => Promise<boolean>): Promise<void> {
  for (let i = 0; i < 100; i++) {
    if (await check()) return;
    await new Promise((r) => setTimeout(r, 20));
  }
  assert.fail('condition not reached within 2 s');
}

const irisApp = (t: TestContext, deps = {}) => buildTestApp(t, { config: { models: DEFAULT_MODELS }, deps }).then((a) => a.app);


describe('GET /metrics', () => {
  test('answers in the Prometheus text format with its content type', async (t) => {
    const app = await irisApp(t);
    const res = await app.inject({ url: '/metrics' });
    assert.equal(res.statusCode, 200);
    assert.match(String(res.headers['content-type']), /^text\/plain; version=0\.0\.4; charset=utf-8$/);
    assert.ok(parseExposition(res.body).length > 0, 'samples present');
  });

  test('counts V2 and V1 inferences per model, served version, protocol and status', async (t) => {
    const app = await irisApp(t);
    for (let i = 0; i < 3; i++) assert.equal((await v2Infer(app)).res.statusCode, 200);
    for (let i = 0; i < 2; i++) assert.equal((await v1Predict(app)).res.statusCode, 200);
    assert.equal((await v2Infer(app, 'iris', '/v2/models/iris/versions/1/infer')).res.statusCode, 200);
    const samples = await scrape(app);
    assert.equal(value(samples, 'onnx_serve_requests_total', { model: 'iris', version: '2', protocol: 'v2', status: '200' }), 3);
    assert.equal(value(samples, 'onnx_serve_requests_total', { model: 'iris', version: '2', protocol: 'v1', status: '200' }), 2);
    assert.equal(value(samples, 'onnx_serve_requests_total', { model: 'iris', version: '1', protocol: 'v2', status: '200' }), 1);
  });

  test('counts failed inferences of a known model under their status', async (t) => {
    const app = await irisApp(t);
    const bad = await call(app, { method: 'POST', url: '/v2/models/iris/infer', payload: { inputs: [{ name: 'features', datatype: 'FP32', shape: [1, 3], data: [1, 2, 3] }] } });
    assert.equal(bad.res.statusCode, 400);
    const samples = await scrape(app);
    assert.equal(value(samples, 'onnx_serve_requests_total', { model: 'iris', protocol: 'v2', status: '400' }), 1);
  });

  test('counts requests for unknown models under model="_unknown" and never as the requested name', async (t) => {
    const app = await irisApp(t);
    const names = Array.from({ length: 25 }, () => `scan${randomBytes(6).toString('hex')}`);
    for (const name of names) {
      assert.equal((await v2Infer(app, name)).res.statusCode, 404);
      assert.equal((await v1Predict(app, name)).res.statusCode, 404);
      assert.equal((await v2Infer(app, name, `/v2/models/${name}/versions/3/infer`)).res.statusCode, 404);
    }
    const res = await app.inject({ url: '/metrics' });
    const samples = parseExposition(res.body);
    assert.equal(value(samples, 'onnx_serve_requests_total', { model: '_unknown', protocol: 'v2', status: '404' }), 2 * names.length);
    assert.equal(value(samples, 'onnx_serve_requests_total', { model: '_unknown', protocol: 'v1', status: '404' }), names.length);
    const leaked = samples.filter((s) => Object.values(s.labels).some((v) => v.startsWith('scan')));
    assert.deepEqual(leaked, [], 'no series carries a requested model name');
    for (const name of names) assert.ok(!res.body.includes(name), `${name} absent from the exposition`);
  });

  test('records request and inference latency histograms labelled by model and version', async (t) => {
    const app = await irisApp(t);
    await v2Infer(app);
    await v1Predict(app);
    await v1Predict(app);
    const samples = await scrape(app);
    assert.equal(value(samples, 'onnx_serve_request_duration_seconds_count', { model: 'iris', version: '2', protocol: 'v2' }), 1);
    assert.equal(value(samples, 'onnx_serve_request_duration_seconds_count', { model: 'iris', version: '2', protocol: 'v1' }), 2);
    assert.ok(value(samples, 'onnx_serve_request_duration_seconds_sum', { model: 'iris', version: '2', protocol: 'v1' }) > 0);
    assert.equal(value(samples, 'onnx_serve_request_duration_seconds_bucket', { model: 'iris', version: '2', protocol: 'v1', le: '+Inf' }), 2);
    assert.equal(value(samples, 'onnx_serve_inference_duration_seconds_count', { model: 'iris', version: '2' }), 3);
    assert.ok(value(samples, 'onnx_serve_inference_duration_seconds_sum', { model: 'iris', version: '2' }) > 0);
    assert.equal(find(samples, 'onnx_serve_inference_duration_seconds_count', { model: 'iris', version: '1' }).length, 0, 'version 1 served nothing');
  });

  test('reports each loaded version READY and a version that failed to load UNAVAILABLE, with a load failure', async (t) => {
    const { app } = await buildTestApp(t);
    const samples = await scrape(app);
    for (const version of ['1', '2']) {
      assert.equal(value(samples, 'onnx_serve_model_state', { model: 'two-versions', version, state: 'READY' }), 1);
    }
    assert.equal(value(samples, 'onnx_serve_model_state', { model: 'multi-io', version: '1', state: 'READY' }), 1);
    assert.equal(value(samples, 'onnx_serve_model_state', { model: 'broken', version: '1', state: 'UNAVAILABLE' }), 1);
    assert.deepEqual(find(samples, 'onnx_serve_model_state', { model: 'broken', state: 'READY' }), [], 'broken is never READY');
    assert.deepEqual(find(samples, 'onnx_serve_model_state', { model: 'multi-io', state: 'LOADING' }), [], 'a loaded version keeps one state series');
    assert.equal(value(samples, 'onnx_serve_model_load_failures_total', { model: 'broken' }), 1);
    assert.deepEqual(find(samples, 'onnx_serve_model_load_failures_total', { model: 'multi-io' }), []);
    assert.ok(value(samples, 'onnx_serve_model_load_duration_seconds', { model: 'multi-io', version: '1' }) > 0);
  });

  test('includes the process and Node.js default metrics', async (t) => {
    const samples = await scrape(await irisApp(t));
    for (const name of ['process_cpu_user_seconds_total', 'nodejs_eventloop_lag_seconds', 'process_resident_memory_bytes', 'nodejs_heap_size_used_bytes']) {
      assert.ok(find(samples, name).length > 0, `${name} present`);
    }
  });

  test('shows a request in flight while it runs and returns the gauge to 0 afterwards, errors included', async (t) => {
    const gated = gatedBackend();
    const app = await irisApp(t, { createBackend: gated.createBackend });
    const held = gated.hold();
    const pending = v2Infer(app);
    await held.entered;
    assert.equal(value(await scrape(app), 'onnx_serve_requests_in_flight', { protocol: 'v2' }), 1);
    held.release();
    assert.equal((await pending).res.statusCode, 200);
    await v1Predict(app);
    await v1Predict(app, 'missing');
    await call(app, { method: 'POST', url: '/v2/models/iris/infer', payload: '{not json' });
    const samples = await scrape(app);
    assert.equal(value(samples, 'onnx_serve_requests_in_flight', { protocol: 'v2' }), 0);
    assert.equal(value(samples, 'onnx_serve_requests_in_flight', { protocol: 'v1' }), 0);
  });

  test('counts a request whose client hung up as 499 and takes it off the in-flight gauge', async (t) => {
    const gated = gatedBackend();
    const app = await irisApp(t, { createBackend: gated.createBackend });
    await app.listen({ host: '127.0.0.1', port: 0 });
    const { port } = app.server.address() as AddressInfo;
    const held = gated.hold();
    const abort = new AbortController();
    const pending = fetch(`http://127.0.0.1:${port}/v2/models/iris/infer`, {
      method: 'POST',
      body: JSON.stringify({ inputs: [{ name: 'features', datatype: 'FP32', shape: [1, 4], data: ROW }] }),
      signal: abort.signal,
    });
    await held.entered;
    abort.abort();
    await assert.rejects(pending, { name: 'AbortError' });
    await waitFor(async () => value(await scrape(app), 'onnx_serve_requests_in_flight', { protocol: 'v2' }) === 0);
    held.release();
    const samples = await scrape(app);
    assert.equal(value(samples, 'onnx_serve_requests_total', { model: 'iris', protocol: 'v2', status: '499' }), 1);
    assert.equal(value(samples, 'onnx_serve_requests_in_flight', { protocol: 'v2' }), 0, 'not decremented twice once the run completes');
    app.server.closeAllConnections(); // NOTE: undici keeps the aborted socket for its 4 s keep-alive; don't make close() wait
  });

  test('records batch sizes, queue waits, queue depth and rejected requests per model version', async (t) => {
    const gated = gatedBackend();
    const { app } = await buildTestApp(t, { config: { models: DEFAULT_MODELS, maxQueueSize: 3, inferenceTimeoutMs: 5_000 }, deps: { createBackend: gated.createBackend } });
    const held = gated.hold();
    const first = v2Infer(app);
    await held.entered;
    const queued = [v2Infer(app), v2Infer(app), v2Infer(app)];
    const labels = { model: 'iris', version: '2' };
    await waitFor(async () => value(await scrape(app), 'onnx_serve_queue_depth', labels) === 3);
    assert.equal((await v2Infer(app)).res.statusCode, 503);
    const late = await call(app, { method: 'POST', url: '/v2/models/iris/infer', payload: { parameters: { timeout: 1 }, inputs: [{ name: 'features', datatype: 'FP32', shape: [1, 4], data: ROW }] } });
    assert.equal(late.res.statusCode, 503, 'still full: shed before it could queue');
    held.release();
    assert.deepEqual((await Promise.all([first, ...queued])).map((r) => r.res.statusCode), [200, 200, 200, 200]);
    const timedOut = gated.hold();
    const stuck = call(app, { method: 'POST', url: '/v2/models/iris/infer', payload: { parameters: { timeout: 1_000 }, inputs: [{ name: 'features', datatype: 'FP32', shape: [1, 4], data: ROW }] } });
    assert.equal((await stuck).res.statusCode, 504);
    timedOut.release();
    const samples = await scrape(app);
    assert.equal(value(samples, 'onnx_serve_batch_size_count', labels), 2, 'two runs: one alone, then the three queued together');
    assert.equal(value(samples, 'onnx_serve_batch_size_sum', labels), 4);
    assert.equal(value(samples, 'onnx_serve_batch_size_bucket', { ...labels, le: '2' }), 1);
    assert.equal(value(samples, 'onnx_serve_queue_duration_seconds_count', labels), 4);
    assert.equal(value(samples, 'onnx_serve_queue_depth', labels), 0);
    assert.equal(value(samples, 'onnx_serve_rejected_requests_total', { ...labels, reason: 'queue_full' }), 2);
    assert.equal(value(samples, 'onnx_serve_rejected_requests_total', { ...labels, reason: 'timeout' }), 1);
  });

  test('is 404 when metrics are turned off', async (t) => {
    const { app } = await buildTestApp(t, { config: { models: DEFAULT_MODELS, metrics: false } });
    const { res, body } = await call(app, { url: '/metrics' });
    assert.equal(res.statusCode, 404);
    assert.equal(typeof body.error, 'string');
  });

  test('two apps in one process keep separate registries and leave the global one untouched', async (t) => {
    const injected = new Registry();
    const a = await irisApp(t, { metricsRegistry: injected });
    const b = await irisApp(t);
    await v2Infer(a);
    await v2Infer(a);
    await v2Infer(b);
    const fromA = await scrape(a);
    const fromB = await scrape(b);
    assert.equal(value(fromA, 'onnx_serve_requests_total', { model: 'iris', version: '2', protocol: 'v2', status: '200' }), 2);
    assert.equal(value(fromB, 'onnx_serve_requests_total', { model: 'iris', version: '2', protocol: 'v2', status: '200' }), 1);
    const fromInjected = parseExposition(await injected.metrics());
    assert.equal(value(fromInjected, 'onnx_serve_requests_total', { model: 'iris', version: '2', protocol: 'v2', status: '200' }), 2, 'app A wrote to the registry it was given');
    assert.equal(globalRegister.getSingleMetric('onnx_serve_requests_total'), undefined);
    assert.equal(globalRegister.getSingleMetric('process_cpu_user_seconds_total'), undefined);
  });

  test('drops the series of every version once the app closes and releases it', async (t) => {
    const injected = new Registry();
    const app = await irisApp(t, { metricsRegistry: injected });
    await v2Infer(app);
    assert.ok(find(parseExposition(await injected.metrics()), 'onnx_serve_model_state', { model: 'iris' }).length > 0);
    await app.close();
    await new Promise((r) => setImmediate(r));
    const samples = parseExposition(await injected.metrics());
    assert.deepEqual(find(samples, 'onnx_serve_model_state', { model: 'iris' }), []);
    assert.deepEqual(find(samples, 'onnx_serve_requests_total', { model: 'iris' }), []);
    assert.deepEqual(find(samples, 'onnx_serve_inference_duration_seconds_count', { model: 'iris' }), []);
    for (const name of ['onnx_serve_batch_size_count', 'onnx_serve_queue_duration_seconds_count', 'onnx_serve_queue_depth']) {
      assert.deepEqual(find(samples, name, { model: 'iris' }), [], name);
    }
  });
});
