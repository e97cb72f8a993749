// Dynamic batching through the real app: merged requests answer as if alone, backpressure is a 503, deadlines a 504.
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, test, type TestContext } from 'node:test';
import type { FastifyInstance } from 'fastify';
import type { BatchRunEvent } from '../../../src/inference/data-plane.js';
import { GraphBuilder } from '../../../tools/onnx/graph-builder.js';
import { buildTestApp, call, gatedBackend } from '../../helper.js';

const multiIo = (k: number, rows = 1) => ({
  id: `req-${k}`,
  inputs: [
    { name: 'a', datatype: 'FP32', shape: [rows, 3], data: Array.from({ length: rows * 3 }, (_, i) => k + i / 4) },
    { name: 'b', datatype: 'FP32', shape: [rows, 3], data: Array.from({ length: rows * 3 }, (_, i) => k - i) },
    { name: 'k', datatype: 'INT64', shape: [rows, 1], data: Array.from({ length: rows }, (_, i) => k * 10 + i) },
  ],
});
const infer = (app: FastifyInstance, model: string, payload: unknown) => call(app, { method: 'POST', url: `/v2/models/${model}/infer`, payload: payload as object });

/** Resolves once `n` requests wait in queues (inject() reaches the data plane a few turns later). */
async function queued(app: FastifyInstance, n: number): Promise<void> {
  const depth = () => app.dataPlane.batchers.depths().reduce((sum, d) => sum + d.depth, 0);
  for (let i = 0; i < 200 && depth() < n; i++) await new Promise((r) => setTimeout(r, 5));
  assert.equal(depth(), n, 'requests queued');
}

/** An app over the fixtures whose backend runs wait while the test holds the gate. */
async function gatedApp(t: TestContext, config = {}) {
  const { createBackend, hold } = gatedBackend();
  const { app } = await buildTestApp(t, { config, deps: { createBackend } });
  const batches: BatchRunEvent[] = [];
  app.dataPlane.addHooks({ onBatch: (e) => batches.push(e) });
  return { app, hold, batches };
}

describe('dynamic batching through HTTP', () => {
  test('requests queued behind a running one merge into one run, and each answer equals its unbatched answer', async (t) => {
    const { app, hold, batches } = await gatedApp(t);
    const alone: unknown[] = [];
    for (const k of [1, 2, 3, 4]) alone.push((await infer(app, 'multi-io', multiIo(k, k === 3 ? 2 : 1))).body);
    assert.ok(batches.every((b) => b.requests === 1), 'sequential requests ran alone');
    batches.length = 0;
    const gate = hold();
    const first = infer(app, 'multi-io', multiIo(1));
    await gate.entered;
    const later = [2, 3, 4].map((k) => infer(app, 'multi-io', multiIo(k, k === 3 ? 2 : 1)));
    await queued(app, 3);
    gate.release();
    const answers = await Promise.all([first, ...later]);
    assert.deepEqual(answers.map((a) => a.res.statusCode), [200, 200, 200, 200]);
    assert.deepEqual(answers.map((a) => a.body), alone);
    assert.deepEqual(batches.map((b) => [b.requests, b.batchSize]), [[1, 1], [3, 4]]);
  });

  test('a full queue answers 503 with Retry-After at once, and the queued requests still succeed', async (t) => {
    const { app, hold } = await gatedApp(t, { maxQueueSize: 1 });
    const gate = hold();
    const first = infer(app, 'multi-io', multiIo(1));
    await gate.entered;
    const second = infer(app, 'multi-io', multiIo(2));
    await queued(app, 1);
    const refused = await infer(app, 'multi-io', multiIo(3));
    assert.equal(refused.res.statusCode, 503);
    assert.equal(refused.res.headers['retry-after'], '1');
    assert.match(refused.body.error, /overloaded/);
    gate.release();
    assert.deepEqual([(await first).res.statusCode, (await second).res.statusCode], [200, 200]);
  });

  test('the protocol timeout parameter (microseconds) ends a stuck request with 504, never a hang', async (t) => {
    const { app, hold } = await gatedApp(t);
    const gate = hold();
    const first = infer(app, 'multi-io', { ...multiIo(1), parameters: { timeout: 200_000 } }); // NOTE: long enough to be running (held) when it expires
    await gate.entered;
    const queued = await infer(app, 'multi-io', { ...multiIo(2), parameters: { timeout: 1_000 } });
    assert.equal(queued.res.statusCode, 504);
    assert.match(queued.body.error, /timed out after 1 ms waiting in the queue/);
    const running = await first;
    assert.equal(running.res.statusCode, 504);
    gate.release();
    assert.equal((await infer(app, 'multi-io', multiIo(3))).res.statusCode, 200);
  });

  test('a run whose caller timed out still holds its version: unloading waits for it before releasing the session', async (t) => {
    const { createBackend, hold } = gatedBackend();
    const events: string[] = [];
    const tracked: typeof createBackend = async (bytes, options) => {
      const inner = await createBackend(bytes, options);
      return { ...inner, signature: inner.signature, run: inner.run, dispose: async () => { events.push('disposed'); await inner.dispose(); } };
    };
    const { app } = await buildTestApp(t, { deps: { createBackend: tracked } });
    const gate = hold();
    // NOTE: 200 ms, not less: the deadline must fall while the run is held in the backend. With 1 ms a slow
    // machine expired it still queued, the run never started, and awaiting `entered` left the loop empty.
    const late = infer(app, 'multi-io', { ...multiIo(1), parameters: { timeout: 200_000 } });
    await gate.entered;
    assert.equal((await late).res.statusCode, 504);
    const unloaded = app.dataPlane.registry.unloadModel('multi-io').then(() => events.push('unloaded'));
    await new Promise((r) => setTimeout(r, 50));
    assert.equal(events.length, 0, 'the session is not released while its run is held');
    events.push('released');
    gate.release();
    await unloaded;
    assert.deepEqual(events, ['released', 'disposed', 'unloaded']);
  });

  test('the server-wide inference timeout applies when the request names none', async (t) => {
    const { app, hold } = await gatedApp(t, { inferenceTimeoutMs: 30 });
    const gate = hold();
    const stuck = await infer(app, 'multi-io', multiIo(1));
    assert.equal(stuck.res.statusCode, 504);
    gate.release();
  });

  test('a negative or fractional timeout parameter is a 400', async (t) => {
    const { app } = await buildTestApp(t);
    for (const timeout of [-1, 1.5, 'soon']) {
      const res = await infer(app, 'multi-io', { ...multiIo(1), parameters: { timeout } });
      assert.equal(res.res.statusCode, 400, String(timeout));
    }
  });
});

describe('a failing request in a batch', () => {
  /** A repository with one model, out = table[idx], whose out-of-range indices fail inside onnxruntime. */
  function lookupRepository(t: TestContext): string {
    const dir = mkdtempSync(join(tmpdir(), 'onnx-serve-lookup-'));
    t.after(() => rmSync(dir, { recursive: true, force: true }));
    mkdirSync(join(dir, 'lookup', '1'), { recursive: true });
    const model = new GraphBuilder('lookup')
      .input('idx', 'INT64', ['batch'])
      .output('out', 'FP32', ['batch'])
      .initializer('table', 'FP32', [4], [10, 20, 30, 40])
      .node('Gather', ['table', 'idx'], ['out'], { axis: 0 })
      .toBytes();
    writeFileSync(join(dir, 'lookup', '1', 'model.onnx'), model);
    return dir;
  }

  test('fails only that request: its batch-mates get their own correct answers', async (t) => {
    const { createBackend, hold } = gatedBackend();
    const { app } = await buildTestApp(t, { config: { models: lookupRepository(t) }, deps: { createBackend } });
    const batches: BatchRunEvent[] = [];
    app.dataPlane.addHooks({ onBatch: (e) => batches.push(e) });
    const lookup = (...idx: number[]) => infer(app, 'lookup', { inputs: [{ name: 'idx', datatype: 'INT64', shape: [idx.length], data: idx }] });
    const gate = hold();
    const first = lookup(0);
    await gate.entered;
    const mates = [lookup(1, 2), lookup(9), lookup(3)];
    await queued(app, 3);
    gate.release();
    const [a, b, bad, c] = await Promise.all([first, ...mates]);
    assert.deepEqual([a, b, bad, c].map((r) => r.res.statusCode), [200, 200, 500, 200]);
    assert.deepEqual(b.body.outputs[0].data, [20, 30]);
    assert.deepEqual(c.body.outputs[0].data, [40]);
    assert.match(bad.body.error, /inference failed/);
    assert.deepEqual(batches.map((e) => [e.requests, e.fallback]), [[1, false], [3, true]]);
  });
});
