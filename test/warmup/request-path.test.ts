// src/warmup/: the startup warm-up of the request path (real HTTP from a child process before readiness), and the
// gate that keeps its requests out of metrics, statistics, monitoring, logs, authentication and rate limits.
import assert from 'node:assert/strict';
import { appendFileSync, cpSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import { createConfig } from '../../src/config/load.js';
import { createLogger } from '../../src/logging.js';
import { bigInputModel } from '../../bench/payloads.js';
import { freePort } from '../../bench/processes.js';
import { startServer } from '../../src/server.js';
import { WARMUP_HEADER, WarmupGate } from '../../src/warmup/warmup-gate.js';
import { warmupBody, warmupTargets, warmupUrl, warmUpRequestPath } from '../../src/warmup/request-path.js';
import { buildTestApp, call, DEFAULT_MODELS, LogCapture } from '../helper.js';
import { makeKeys, minted, oneCharacterOff, scratchDir, writeKeysFile } from '../helpers/credentials.js';

const INFER = JSON.stringify({ inputs: [{ name: 'features', datatype: 'FP32', shape: [1, 4], data: [5.1, 3.5, 1.4, 0.2] }] });

describe('WarmupGate', () => {
  test('admits only the current token, compared whole, and nothing once closed', () => {
    const gate = new WarmupGate();
    assert.equal(gate.admits('anything'), false);
    const token = gate.open();
    assert.ok(gate.isOpen);
    assert.match(token, /^[A-Za-z0-9_-]{43}$/, '256 random bits, base64url');
    assert.equal(gate.admits(token), true);
    for (const wrong of [token.slice(1), `${token}x`, token.toUpperCase() === token ? token.toLowerCase() : token.toUpperCase(), '', undefined]) {
      assert.equal(gate.admits(wrong), false, String(wrong));
    }
    assert.equal(gate.admits([token]), false, 'a repeated header is not the token');
    const next = gate.open();
    assert.notEqual(next, token);
    assert.equal(gate.admits(token), false, 'an earlier token is forgotten');
    gate.close();
    assert.equal(gate.admits(next), false);
  });
});

describe('warm-up requests', () => {
  test('zeros shaped like the signature, dynamic dimensions 1, for every JSON datatype', () => {
    const body = JSON.parse(
      warmupBody({
        inputs: [
          { name: 'x', datatype: 'FP32', shape: [-1, 4] },
          { name: 'flag', datatype: 'BOOL', shape: [-1] },
          { name: 'text', datatype: 'BYTES', shape: [2] },
          { name: 'ids', datatype: 'INT64', shape: [-1, -1] },
        ],
        outputs: [],
      }),
    );
    assert.deepEqual(body, {
      inputs: [
        { name: 'x', datatype: 'FP32', shape: [1, 4], data: [0, 0, 0, 0] },
        { name: 'flag', datatype: 'BOOL', shape: [1], data: [false] },
        { name: 'text', datatype: 'BYTES', shape: [2], data: ['', ''] },
        { name: 'ids', datatype: 'INT64', shape: [1, 1], data: [0] },
      ],
    });
  });

  test('connect to loopback when the server listens on every interface, else to the address it listens on', () => {
    assert.equal(warmupUrl('http://0.0.0.0:8000'), 'http://127.0.0.1:8000');
    assert.equal(warmupUrl('https://[::]:8443'), 'https://[::1]:8443');
    assert.equal(warmupUrl('http://10.1.2.3:8000'), 'http://10.1.2.3:8000');
    assert.equal(warmupUrl('http://127.0.0.1:9000'), 'http://127.0.0.1:9000');
  });
});

describe('the gate in the app', () => {
  /** Auth on; with `limited`, a rate limit of 3 requests at once that the 5 warm-up requests below would exceed. */
  async function securedApp(t: Parameters<typeof buildTestApp>[0], limited: boolean) {
    const { entries, keys } = await makeKeys([{ name: 'reader', scopes: ['infer:*', 'read:*'] }]);
    const apiKeysFile = writeKeysFile(join(scratchDir('warmup-keys'), 'keys.json'), entries);
    const limits = limited ? { rateLimitPerSecond: 0.01, rateLimitBurst: 3 } : {};
    const built = await buildTestApp(t, { config: { models: DEFAULT_MODELS, auth: true, apiKeysFile, metricsPublic: true, ...limits } });
    return { ...built, key: keys.reader };
  }

  test("a warm-up request is served without credentials or rate limits, and counted, timed and logged nowhere", async (t) => {
    const { app, logs, key } = await securedApp(t, true);
    const token = app.warmupGate.open();
    minted.add(token);
    const warm = { 'content-type': 'application/json', [WARMUP_HEADER]: token };
    const before = logs.lines.length;
    for (let i = 0; i < 5; i++) {
      const { res, body } = await call(app, { method: 'POST', url: '/v2/models/iris/infer', payload: INFER, headers: warm });
      assert.equal(res.statusCode, 200, res.body);
      assert.equal(body.outputs.length, 2);
      assert.equal(res.headers['ratelimit-limit'], undefined, 'no rate limit applied');
    }
    assert.deepEqual(logs.lines.slice(before).filter((l) => l.msg === 'request'), [], 'no access log lines');
    const metrics = (await call(app, { method: 'GET', url: '/metrics' })).res.body;
    for (const series of ['onnx_serve_requests_total', 'onnx_serve_request_duration_seconds_count', 'onnx_serve_batch_size_count', 'onnx_serve_inference_duration_seconds_count']) {
      assert.doesNotMatch(metrics, new RegExp(`^${series}\\{[^}]*model="iris"`, 'm'), series);
    }
    const stats = (await call(app, { method: 'GET', url: '/v2/models/iris/stats', headers: { authorization: `Bearer ${key}` } })).body;
    assert.ok(stats.model_stats.every((s: { inference_count: number; execution_count: number }) => s.inference_count === 0 && s.execution_count === 0), JSON.stringify(stats));
    const monitoring = (await call(app, { method: 'GET', url: '/v2/models/iris/monitoring', headers: { authorization: `Bearer ${key}` } })).body;
    assert.ok(monitoring.versions.every((v: { drift: { samples: number } }) => v.drift.samples === 0), 'no drift samples');

    // NOTE: the same request from a client is counted: the check above can fail.
    const real = await call(app, { method: 'POST', url: '/v2/models/iris/infer', payload: INFER, headers: { 'content-type': 'application/json', authorization: `Bearer ${key}` } });
    assert.equal(real.res.statusCode, 200);
    assert.match((await call(app, { method: 'GET', url: '/metrics' })).res.body, /^onnx_serve_requests_total\{model="iris",version="2",protocol="v2",status="200"\} 1$/m);
  });

  test('the token opens inference routes only, a wrong token nothing, and a closed gate nothing', async (t) => {
    const { app } = await securedApp(t, false);
    const token = app.warmupGate.open();
    minted.add(token);
    const stats = await call(app, { method: 'GET', url: '/v2/models/iris/stats', headers: { [WARMUP_HEADER]: token } });
    assert.equal(stats.res.statusCode, 401, 'not an inference route');
    const index = await call(app, { method: 'POST', url: '/v2/repository/index', headers: { [WARMUP_HEADER]: token } });
    assert.equal(index.res.statusCode, 401);
    // NOTE: a fixed last 'A' matched the token 1 time in 64.
    const wrongToken = oneCharacterOff(token);
    assert.notEqual(wrongToken, token);
    const wrong = await call(app, { method: 'POST', url: '/v2/models/iris/infer', payload: INFER, headers: { 'content-type': 'application/json', [WARMUP_HEADER]: wrongToken } });
    assert.equal(wrong.res.statusCode, 401);
    app.warmupGate.close();
    const closed = await call(app, { method: 'POST', url: '/v2/models/iris/infer', payload: INFER, headers: { 'content-type': 'application/json', [WARMUP_HEADER]: token } });
    assert.equal(closed.res.statusCode, 401, 'the token dies with the warm-up');
  });
});

describe('warmUpRequestPath', () => {
  test('skips mutual TLS at the handshake (no client certificate) and a repository with nothing serving', async (t) => {
    const { app } = await buildTestApp(t, { config: { models: DEFAULT_MODELS } });
    const mtls = await warmUpRequestPath(app, 'https://127.0.0.1:1', createConfig({ tlsClientCa: 'ca.pem', tlsCert: 'c.pem', tlsKey: 'k.pem', warmupSeconds: 1 }));
    assert.match(mtls.skipped ?? '', /mutual TLS/);
    assert.equal(mtls.requests, 0);
    const empty = await buildTestApp(t, { config: { models: scratchDir('warmup-empty') } });
    assert.equal((await warmUpRequestPath(empty.app, 'http://127.0.0.1:1', createConfig({ warmupSeconds: 1 }))).skipped, 'no model serves');
  });

  test('respects --warmup false, and leaves out models whose model.yaml turns warm-up off or whose request is too big', async (t) => {
    const repo = scratchDir('warmup-optout');
    cpSync(join(DEFAULT_MODELS, 'iris'), join(repo, 'iris'), { recursive: true });
    cpSync(join(DEFAULT_MODELS, 'iris'), join(repo, 'iris-cold'), { recursive: true });
    appendFileSync(join(repo, 'iris-cold', 'model.yaml'), '\nwarmup: false\n');
    // NOTE: one input of 262,144 FP32 values (1 MiB): at least 512 KiB of JSON zeros.
    mkdirSync(join(repo, 'big-input', '1'), { recursive: true });
    writeFileSync(join(repo, 'big-input', '1', 'model.onnx'), bigInputModel());
    const { app } = await buildTestApp(t, { config: { models: repo } });
    const off = await warmUpRequestPath(app, 'http://127.0.0.1:1', createConfig({ warmup: false, warmupSeconds: 1 }));
    assert.match(off.skipped ?? '', /--warmup false/);
    assert.equal(off.requests, 0);
    const { targets, models, leftOut } = warmupTargets(app);
    assert.deepEqual(models, ['iris']);
    assert.deepEqual(targets.map((x) => x.path), ['/v2/models/iris/infer']);
    assert.deepEqual(leftOut, ['big-input (a request of at least 512 KiB)', 'iris-cold (warmup: false in its model.yaml)']);
  });

  test('gives up early, and says why, when the server cannot be reached', async (t) => {
    const { app } = await buildTestApp(t, { config: { models: DEFAULT_MODELS } });
    const started = Date.now();
    const outcome = await warmUpRequestPath(app, `http://127.0.0.1:${await freePort()}`, createConfig({ warmupSeconds: 30 }));
    assert.ok(Date.now() - started < 20_000, 'well before its 30 s');
    assert.equal(outcome.statuses['200'], undefined);
    assert.ok((outcome.statuses.error ?? 0) > 0);
    assert.match(outcome.error ?? '', /ECONNREFUSED/);
    assert.equal(app.warmupGate.isOpen, false, 'the gate closes whatever happened');
  });

  test('startServer: readiness waits for the warm-up, which sends real requests that nothing counts', async () => {
    const port = await freePort();
    const logs = new LogCapture();
    const config = createConfig({ port, host: '127.0.0.1', models: DEFAULT_MODELS, logLevel: 'info', loadProbe: false, warmupSeconds: 1 });
    const seen: string[] = [];
    let serving = false;
    // NOTE: readiness is polled while startServer runs; it must never read ready before startServer returns.
    const poll = (async () => {
      while (!serving) {
        const res = await fetch(`http://127.0.0.1:${port}/v2/health/ready`).catch(() => undefined);
        if (res !== undefined) seen.push(res.ok ? 'ready' : ((await res.json()) as { error: string }).error);
        await new Promise((r) => setTimeout(r, 20));
      }
    })();
    const server = await startServer(config, { logger: createLogger(config, logs) });
    serving = true;
    await poll;
    try {
      assert.ok(!seen.includes('ready'), `ready before startServer returned: ${seen.join(', ')}`);
      assert.ok(seen.some((e) => /warming up the request path/.test(e)), seen.join(', '));
      const line = logs.lines.find((l) => l.msg === 'request path warmed up') as { requests: number; statuses: Record<string, number>; models: string[] } | undefined;
      assert.ok(line !== undefined, logs.text);
      assert.ok(line.requests > 0);
      assert.deepEqual(Object.keys(line.statuses), ['200']);
      assert.ok(line.models.includes('iris'));
      assert.ok(logs.lines.findIndex((l) => l.msg === 'request path warmed up') < logs.lines.findIndex((l) => l.msg === 'server ready'));
      assert.equal(logs.lines.filter((l) => l.msg === 'request' && String(l.url).endsWith('/infer')).length, 0, 'no access log line per warm-up request');
      const metrics = await (await fetch(`${server.url}/metrics`)).text();
      assert.doesNotMatch(metrics, /^onnx_serve_requests_total\{model="iris"/m);
      const stats = (await (await fetch(`${server.url}/v2/models/iris/stats`)).json()) as { model_stats: { inference_count: number }[] };
      assert.ok(stats.model_stats.every((s) => s.inference_count === 0));
      assert.equal((await fetch(`${server.url}/v2/models/iris/infer`, { method: 'POST', body: INFER, headers: { 'content-type': 'application/json' } })).status, 200);
    } finally {
      await server.close();
    }
  });
});
