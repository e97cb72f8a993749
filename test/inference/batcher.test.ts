// The batcher over real onnxruntime sessions: batched equals unbatched, backpressure, deadlines, failure isolation.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, test, type TestContext } from 'node:test';
import { RequestTimeoutError, UnavailableError } from '../../src/errors.js';
import type { InferenceBackend } from '../../src/inference/backend.js';
import { Batcher, type BatchEvent, type BatcherSettings, type RunFn } from '../../src/inference/batcher.js';
import { createOrtBackend } from '../../src/inference/ort-backend.js';
import type { Tensor } from '../../src/inference/tensor.js';
import { GraphBuilder } from '../../tools/onnx/graph-builder.js';
import { DEFAULT_MODELS, fixtureRepository, gatedBackend } from '../helper.js';
import { inputsFor } from '../helpers/sample-inputs.js';

const OPTIONS = { intraOpThreads: 1, interOpThreads: 1, allowSpinning: false };
const SETTINGS: BatcherSettings = { batchable: true, maxBatchSize: 64, maxQueueDelayMs: 0, preferredBatchSizes: [], maxQueueSize: 64, timeoutMs: 30_000 };

async function backend(t: TestContext, bytes: Uint8Array): Promise<InferenceBackend> {
  const b = await createOrtBackend(bytes, OPTIONS);
  t.after(() => b.dispose());
  return b;
}

const fixture = async (name: string) => readFileSync(join(await fixtureRepository(), name, '1', 'model.onnx'));

function batcher(run: RunFn, settings: Partial<BatcherSettings> = {}) {
  const events: BatchEvent[] = [];
  const rejects: string[] = [];
  const b = new Batcher('test model', run, { ...SETTINGS, ...settings }, { onBatch: (e) => events.push(e), onReject: (r) => rejects.push(r) });
  return { b, events, rejects };
}

/** Submits requests of the given row counts in one tick (so they share a batch) and checks each against a solo run. */
async function assertBatchedEqualsUnbatched(be: InferenceBackend, rows: number[]) {
  const { b, events } = batcher((i, o, opts) => be.run(i, o, opts));
  const outputs = be.signature.outputs.map((o) => o.name);
  const requests = rows.map((r, seed) => inputsFor(be, r, seed + 1));
  const batched = await Promise.all(requests.map((inputs) => b.submit(inputs, outputs)));
  assert.deepEqual(events.map((e) => [e.requests, e.batchSize, e.fallback]), [[rows.length, rows.reduce((a, c) => a + c), false]]);
  for (let i = 0; i < requests.length; i++) {
    const alone = await be.run(requests[i], outputs);
    assert.deepStrictEqual(batched[i].outputs, alone, `request ${i} (${rows[i]} rows)`);
  }
}

describe('batched outputs equal unbatched ones', () => {
  test('for every datatype (identity model over all 13, BYTES and FP16 included)', async (t) => {
    await assertBatchedEqualsUnbatched(await backend(t, await fixture('all-types')), [1, 3, 0, 2]);
  });

  test('for a model with several inputs and outputs of different types', async (t) => {
    await assertBatchedEqualsUnbatched(await backend(t, await fixture('multi-io')), [2, 1, 1, 4]);
  });

  for (const version of [1, 2]) {
    test(`for the iris v${version} model (floating-point matrix products)`, async (t) => {
      await assertBatchedEqualsUnbatched(await backend(t, readFileSync(join(DEFAULT_MODELS, 'iris', String(version), 'model.onnx'))), [1, 1, 5, 1, 2]);
    });
  }
});

/** A real backend whose runs wait while the test holds its gate (see helper.gatedBackend). */
async function gated(t: TestContext, bytes: Uint8Array) {
  const { createBackend, hold } = gatedBackend();
  const be = await createBackend(bytes, OPTIONS);
  t.after(() => be.dispose());
  const run: RunFn = (i, o) => be.run(i, o);
  return { run, hold: () => { const h = hold(); return { running: h.entered, release: h.release }; } };
}

const one = (x: number): Record<string, Tensor> => ({ x: { datatype: 'FP32', shape: [1, 4], data: new Float32Array([x, 0, 0, 0]) } });

describe('backpressure and deadlines', () => {
  test('a full queue rejects at once with 503 and Retry-After; the queued requests still succeed', async (t) => {
    const g = await gated(t, await fixture('classifier'));
    const { b, rejects } = batcher(g.run, { maxQueueSize: 2 });
    const gate = g.hold();
    const running = b.submit(one(1), ['scores']);
    await gate.running;
    const queued = [b.submit(one(2), ['scores']), b.submit(one(3), ['scores'])];
    const refused = await b.submit(one(4), ['scores']).then(() => null, (err: unknown) => err);
    assert.ok(refused instanceof UnavailableError);
    assert.equal(refused.statusCode, 503);
    assert.equal(refused.headers['retry-after'], '1');
    assert.throws(() => b.admit(), UnavailableError);
    assert.deepEqual(rejects, ['queue_full', 'queue_full']);
    gate.release();
    const answers = await Promise.all([running, ...queued]);
    assert.deepEqual(answers.map((a) => (a.outputs.scores.data as Float32Array)[0]), [1, 2, 3]);
    assert.equal(b.depth, 0);
  });

  test('a request past its deadline gets a 504 while queued or running, and the batcher keeps serving', async (t) => {
    const g = await gated(t, await fixture('classifier'));
    const { b, rejects } = batcher(g.run, { timeoutMs: 50 });
    const gate = g.hold();
    const running = b.submit(one(1), ['scores']);
    await gate.running;
    const queued = b.submit(one(2), ['scores'], 10);
    await assert.rejects(queued, (err: unknown) => err instanceof RequestTimeoutError && err.statusCode === 504 && /waiting in the queue/.test(err.message));
    await assert.rejects(running, (err: unknown) => err instanceof RequestTimeoutError && /while running/.test(err.message));
    assert.equal(b.depth, 0);
    gate.release();
    const later = await b.submit(one(5), ['scores']);
    assert.equal((later.outputs.scores.data as Float32Array)[0], 5);
    assert.deepEqual(rejects, ['timeout', 'timeout']);
  });

  test('a protocol timeout can shorten the configured deadline but never extend it', async (t) => {
    const g = await gated(t, await fixture('classifier'));
    const { b } = batcher(g.run, { timeoutMs: 20 });
    const gate = g.hold();
    const running = b.submit(one(1), ['scores'], 3_600_000);
    await gate.running;
    await assert.rejects(running, RequestTimeoutError);
    gate.release();
  });

  test('close() answers queued requests with 503 and refuses new ones; the running batch finishes', async (t) => {
    const g = await gated(t, await fixture('classifier'));
    const { b } = batcher(g.run);
    const gate = g.hold();
    const running = b.submit(one(1), ['scores']);
    await gate.running;
    const queued = b.submit(one(2), ['scores']);
    const closed = b.close();
    await assert.rejects(queued, UnavailableError);
    await assert.rejects(b.submit(one(3), ['scores']), UnavailableError);
    gate.release();
    await closed;
    assert.equal(((await running).outputs.scores.data as Float32Array)[0], 1);
  });
});

/** out = table[idx]: an index past the table fails inside onnxruntime, after validation has passed. */
function lookupModel(): Uint8Array {
  return new GraphBuilder('lookup')
    .input('idx', 'INT64', ['batch'])
    .output('out', 'FP32', ['batch'])
    .initializer('table', 'FP32', [4], [10, 20, 30, 40])
    .node('Gather', ['table', 'idx'], ['out'], { axis: 0 })
    .toBytes();
}

/** Declares a batch dimension on its output but sums over it, breaking the batching contract. */
function sumOverBatchModel(): Uint8Array {
  return new GraphBuilder('sum-over-batch')
    .input('x', 'FP32', ['batch', 2])
    .output('y', 'FP32', ['one', 2])
    .initializer('axes', 'INT64', [1], [0])
    .node('ReduceSum', ['x', 'axes'], ['y'], { keepdims: 1 })
    .toBytes();
}

describe('failure isolation', () => {
  test('a request that fails at run time does not fail its batch-mates: each reruns alone', async (t) => {
    const be = await backend(t, lookupModel());
    const { b, events } = batcher((i, o, opts) => be.run(i, o, opts));
    const idx = (...v: number[]): Record<string, Tensor> => ({ idx: { datatype: 'INT64', shape: [v.length], data: BigInt64Array.from(v.map(BigInt)) } });
    const results = await Promise.allSettled([b.submit(idx(0, 1), ['out']), b.submit(idx(7), ['out']), b.submit(idx(3), ['out'])]);
    assert.equal(results[0].status, 'fulfilled');
    assert.deepEqual(Array.from((results[0] as PromiseFulfilledResult<{ outputs: Record<string, Tensor> }>).value.outputs.out.data as Float32Array), [10, 20]);
    assert.equal(results[1].status, 'rejected');
    assert.deepEqual(Array.from((results[2] as PromiseFulfilledResult<{ outputs: Record<string, Tensor> }>).value.outputs.out.data as Float32Array), [40]);
    assert.deepEqual(events.map((e) => [e.requests, e.batchSize, e.fallback]), [[3, 4, true]]);
  });

  test('a model whose outputs do not split by rows still answers each request correctly, and stops merging', async (t) => {
    const be = await backend(t, sumOverBatchModel());
    const broken: string[] = [];
    const b = new Batcher('sum', (i, o, opts) => be.run(i, o, opts), SETTINGS, { onContractBroken: (m) => broken.push(m) });
    const x = (...v: number[]): Record<string, Tensor> => ({ x: { datatype: 'FP32', shape: [v.length / 2, 2], data: Float32Array.from(v) } });
    const [a, c] = await Promise.all([b.submit(x(1, 2, 3, 4), ['y']), b.submit(x(10, 20), ['y'])]);
    assert.deepEqual(Array.from(a.outputs.y.data as Float32Array), [4, 6]);
    assert.deepEqual(Array.from(c.outputs.y.data as Float32Array), [10, 20]);
    assert.equal(broken.length, 1);
    assert.equal(b.settings.batchable, false);
  });
});

describe('batch formation', () => {
  test('requests arriving in one tick share a run; a delay is skipped once the batch is full', async (t) => {
    const be = await backend(t, await fixture('classifier'));
    const { b, events } = batcher((i, o, opts) => be.run(i, o, opts), { maxBatchSize: 2, maxQueueDelayMs: 60_000 });
    await Promise.all([1, 2, 3, 4].map((x) => b.submit(one(x), ['scores'])));
    assert.deepEqual(events.map((e) => e.batchSize), [2, 2]);
  });

  test('with a queue delay a lone request waits for company and then runs together', async (t) => {
    const be = await backend(t, await fixture('classifier'));
    const { b, events } = batcher((i, o, opts) => be.run(i, o, opts), { maxQueueDelayMs: 500 });
    const first = b.submit(one(1), ['scores']);
    await new Promise((r) => setTimeout(r, 5));
    await Promise.all([first, b.submit(one(2), ['scores'])]);
    assert.deepEqual(events.map((e) => e.requests), [2]);
  });

  test('preferred sizes are formed when the queue holds more', async (t) => {
    const be = await backend(t, await fixture('classifier'));
    const { b, events } = batcher((i, o, opts) => be.run(i, o, opts), { maxBatchSize: 8, preferredBatchSizes: [4] });
    await Promise.all([1, 2, 3, 4, 5, 6].map((x) => b.submit(one(x), ['scores'])));
    assert.deepEqual(events.map((e) => e.batchSize), [4, 2]);
  });

  test('a backlog of full batches drains back to back, without an event-loop turn per batch', async (t) => {
    const be = await backend(t, await fixture('classifier'));
    // NOTE: a generous turn budget, so a slow machine (cold JIT, a busy CI host) can't end the turn early.
    const { b, events } = batcher((i, o, opts) => be.run(i, o, opts), { maxBatchSize: 2, turnBudgetMs: 60_000 });
    const answers = [1, 2, 3, 4, 5, 6, 7].map((x) => b.submit(one(x), ['scores']));
    let settledBeforeNextTurn = 0;
    answers.forEach((a) => void a.then(() => settledBeforeNextTurn++));
    // NOTE: queued after the batcher's own wake-up, so it fires after the first batch, in the same turn's check phase.
    await new Promise((r) => setImmediate(r));
    assert.equal(settledBeforeNextTurn, 6, 'the three full batches ran in the first turn; the lone last request waits for the poll');
    await Promise.all(answers);
    assert.deepEqual(events.map((e) => e.batchSize), [2, 2, 2, 1]);
  });

  test('back-to-back batches stop after a few milliseconds so I/O and timers get their turn', async (t) => {
    const be = await backend(t, await fixture('classifier'));
    const slowRun: RunFn = (i, o, opts) => {
      const until = performance.now() + 6; // NOTE: longer than the turn budget below
      while (performance.now() < until);
      return be.run(i, o, opts);
    };
    const { b, events } = batcher(slowRun, { maxBatchSize: 1, turnBudgetMs: 2 });
    const answers = [1, 2, 3].map((x) => b.submit(one(x), ['scores']));
    let settled = 0;
    answers.forEach((a) => void a.then(() => settled++));
    await new Promise((r) => setImmediate(r));
    assert.equal(settled, 1, 'one slow batch used up the turn');
    await Promise.all(answers);
    assert.equal(events.length, 3);
  });

  test('settings are validated at construction', () => {
    const run: RunFn = async () => ({});
    assert.throws(() => new Batcher('x', run, { ...SETTINGS, maxBatchSize: 0 }), /maxBatchSize/);
    assert.throws(() => new Batcher('x', run, { ...SETTINGS, preferredBatchSizes: [128] }), /preferredBatchSizes/);
    assert.throws(() => new Batcher('x', run, { ...SETTINGS, timeoutMs: 0 }), /timeoutMs/);
  });
});
