// SIGTERM on the real process (src/main.ts): readiness false at once, in-flight requests finish, exit 0; a drain
// that outlasts its timeout is cut and exits 1.
import assert from 'node:assert/strict';
import { request } from 'node:http';
import { describe, test, type TestContext } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { spinModel } from '../helpers/lifecycle-models.js';
import { startLoad } from '../helpers/load-process.js';
import { ScratchRepository } from '../helpers/scratch-repository.js';
import { startServerProcess } from '../helpers/server-process.js';

/** A request for y = x + n computed by n loop iterations, on a fresh connection (about 2 µs per iteration). */
function spin(url: string, n: number, x = 1): Promise<{ status: number; y?: number; error?: string }> {
  const body = JSON.stringify({ inputs: [{ name: 'x', datatype: 'FP32', shape: [1, 1], data: [x] }, { name: 'n', datatype: 'INT64', shape: [], data: [n] }] });
  return new Promise((resolve) => {
    const req = request(`${url}/v2/models/spin/infer`, { method: 'POST', agent: false }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, y: JSON.parse(Buffer.concat(chunks).toString()).outputs?.[0].data[0] }));
      res.on('error', (err) => resolve({ status: 0, error: err.message }));
    });
    req.on('error', (err: NodeJS.ErrnoException) => resolve({ status: 0, error: err.code ?? err.message }));
    req.end(body);
  });
}

const status = (url: string, path: string) =>
  new Promise<number | string>((resolve) => {
    request(`${url}${path}`, { agent: false }, (res) => (res.resume(), resolve(res.statusCode ?? 0))).on('error', (e: NodeJS.ErrnoException) => resolve(e.code ?? e.message)).end();
  });

function spinRepository(t: TestContext): string {
  const repo = new ScratchRepository(t);
  repo.write('spin/1/model.onnx', spinModel());
  return repo.root;
}

describe('SIGTERM', () => {
  test('under load: readiness turns false at once, nothing in flight is dropped, exit code 0', async (t) => {
    // NOTE: the delay only has to outlast a couple of requests on a busy machine; the test doesn't wait it out.
    const server = await startServerProcess(['--models', spinRepository(t), '--shutdown-delay-seconds', '6', '--drain-timeout-seconds', '20']);
    const load = startLoad(['--url', server.url, '--model', 'spin', '--concurrency', '4', '--n', '20000', '--stop-when-unready']);
    await load.waitFor((e) => e.version === '1', 30_000, 'first answer');
    await sleep(500);
    const slow = spin(server.url, 300_000, 2);
    await sleep(100);
    server.child.kill('SIGTERM');
    const unready = await load.waitFor((e) => e.event === 'unready', 10_000, 'readiness turning false');
    assert.equal(unready.status, 503, 'readiness answered 503 (the server was still listening)');
    assert.equal(await status(server.url, '/v2/health/live'), 200, 'liveness holds while draining');
    assert.deepEqual(await slow, { status: 200, y: 300_002 });
    const summary = await load.stop();
    t.diagnostic(`load: ${summary.ok} ok, ${summary.failed} failed`);
    assert.deepEqual([summary.failed, summary.failures], [0, {}]);
    assert.ok((summary.ok ?? 0) > 0);
    assert.deepEqual(await server.exited, { code: 0, signal: null });
    assert.equal(await status(server.url, '/v2/health/live'), 'ECONNREFUSED');
    assert.ok(server.logs.some((l) => l.msg === 'shutdown complete' && l.drained === true));
  });

  test('without a delay: a request in flight finishes with its answer and the process exits 0', async (t) => {
    const server = await startServerProcess(['--models', spinRepository(t)]);
    const slow = spin(server.url, 400_000);
    await sleep(150);
    server.child.kill('SIGTERM');
    assert.deepEqual(await slow, { status: 200, y: 400_001 });
    assert.deepEqual(await server.exited, { code: 0, signal: null });
  });

  // NOTE: the process backend keeps the event loop free during the run (so the timer can fire) and its session
  // can be killed; a worker thread inside onnxruntime can't be stopped without aborting the process.
  test('a request outlasting --drain-timeout-seconds is cut, and the exit code says so (1)', async (t) => {
    const server = await startServerProcess(['--models', spinRepository(t), '--backend', 'process', '--drain-timeout-seconds', '1']);
    const endless = spin(server.url, 3_000_000);
    await sleep(300);
    server.child.kill('SIGTERM');
    const cut = await endless;
    assert.equal(cut.status, 0, `the connection was cut (${cut.error})`);
    assert.deepEqual(await server.exited, { code: 1, signal: null });
    assert.ok(server.logs.some((l) => l.msg === 'drain timeout: cutting the connections still open'));
  });
});
