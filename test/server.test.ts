// src/server.ts: a real listening server on an ephemeral port, and a graceful shutdown that finishes in-flight requests.
import assert from 'node:assert/strict';
import { request } from 'node:http';
import { connect } from 'node:net';
import { describe, test } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { createConfig } from '../src/config/load.js';
import { startServer, type RunningServer } from '../src/server.js';
import { DEFAULT_MODELS, wrapBackend } from './helper.js';

// NOTE: no load probe here (a child process per version); test/e2e and test/lifecycle run with it. No request-path
// warm-up either (test/warmup tests it; the Prometheus end-to-end test runs with it).
const config = () => createConfig({ port: 0, host: '127.0.0.1', models: DEFAULT_MODELS, logLevel: 'silent', loadProbe: false, warmupSeconds: 0 });
const INFER = JSON.stringify({ inputs: [{ name: 'features', datatype: 'FP32', shape: [1, 4], data: [5.1, 3.5, 1.4, 0.2] }] });

/** The real onnxruntime backend; while `slow.on`, each run waits 300 ms first and signals that it started. */
function slowBackend() {
  const slow = { on: false, started: () => undefined as void };
  const createBackend = wrapBackend(async (run) => {
    if (slow.on) {
      slow.started();
      await sleep(300);
    }
    return run();
  });
  return { slow, createBackend };
}

/** A POST over a fresh connection that asks to be closed after the response (no keep-alive). */
function post(url: string, body: string): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const req = request(url, { method: 'POST', agent: false }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body: Buffer.concat(chunks).toString('utf8') }));
      res.on('error', reject);
    });
    req.on('error', reject);
    req.end(body);
  });
}

/** Resolves with the error code of a fresh TCP connection attempt, or 'connected'. */
function tryConnect(url: string): Promise<string> {
  const { hostname, port } = new URL(url);
  return new Promise((resolve) => {
    const socket = connect({ host: hostname, port: Number(port) });
    socket.once('connect', () => {
      socket.destroy();
      resolve('connected');
    });
    socket.once('error', (err: NodeJS.ErrnoException) => resolve(err.code ?? err.message));
  });
}

describe('startServer', () => {
  test('listens on 127.0.0.1 on a real ephemeral port and serves HTTP', async (t) => {
    const server = await startServer(config());
    t.after(() => server.close());
    const url = new URL(server.url);
    assert.equal(url.hostname, '127.0.0.1');
    assert.ok(Number(url.port) > 0, `bound port ${url.port}`);
    const ready = await fetch(`${server.url}/v2/health/ready`);
    assert.equal(ready.status, 200);
    assert.deepEqual(await ready.json(), { ready: true });
    const res = await fetch(`${server.url}/v2/models/iris/infer`, { method: 'POST', body: INFER });
    assert.equal(res.status, 200);
    const body = (await res.json()) as { model_name: string; model_version: string };
    assert.equal(body.model_name, 'iris');
    assert.equal(body.model_version, '2');
  });

  test('close() lets an in-flight request finish with 200, then refuses new connections', async () => {
    const { slow, createBackend } = slowBackend();
    const server: RunningServer = await startServer(config(), { createBackend });
    let closed = false;
    try {
      const started = new Promise<void>((resolve) => (slow.started = resolve));
      slow.on = true;
      const inflight = post(`${server.url}/v2/models/iris/infer`, INFER);
      await started;
      const closing = server.close().then(() => (closed = true));
      await sleep(50);
      assert.equal(closed, false, 'close() waits for the in-flight request');
      assert.equal(await tryConnect(server.url), 'ECONNREFUSED', 'no new connections once closing has begun');
      const res = await inflight;
      assert.equal(res.status, 200);
      const body = JSON.parse(res.body) as { outputs: { name: string; data: number[] }[] };
      assert.equal(body.outputs.find((o) => o.name === 'probabilities')?.data.length, 3);
      await closing;
      assert.equal(await tryConnect(server.url), 'ECONNREFUSED');
      await assert.rejects(fetch(`${server.url}/v2/health/live`));
    } finally {
      if (!closed) await server.close();
    }
  });

  test(
    'close() finishes soon after the last in-flight response even when the client keeps its connection alive',
    async () => {
      const { slow, createBackend } = slowBackend();
      const server = await startServer(config(), { createBackend });
      const started = new Promise<void>((resolve) => (slow.started = resolve));
      slow.on = true;
      const inflight = fetch(`${server.url}/v2/models/iris/infer`, { method: 'POST', body: INFER });
      await started;
      const closing = server.close().then(() => 'closed');
      try {
        const res = await inflight;
        assert.equal(res.status, 200);
        await res.arrayBuffer();
        assert.equal(await Promise.race([closing, sleep(15_000).then(() => 'still open after 15 s (the keep-alive timeout is 72 s)')]), 'closed');
      } finally {
        server.app.server.closeAllConnections();
        await closing;
      }
    },
  );

  test('readiness turns 503 once draining begins while liveness and inference keep working', async (t) => {
    const server = await startServer(config());
    t.after(() => server.close());
    assert.equal((await fetch(`${server.url}/v2/health/ready`)).status, 200);
    server.app.health.markDraining();
    const ready = await fetch(`${server.url}/v2/health/ready`);
    assert.equal(ready.status, 503);
    assert.match(((await ready.json()) as { error: string }).error, /shutting down/);
    assert.equal((await fetch(`${server.url}/v2/health/live`)).status, 200);
    assert.equal((await fetch(`${server.url}/v2/models/iris/infer`, { method: 'POST', body: INFER })).status, 200);
  });
});
