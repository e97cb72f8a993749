// Request logging (src/plugins/request-log.ts, src/logging.ts): one line per request, request ids, and nothing secret or private in the logs.
import assert from 'node:assert/strict';
import type { AddressInfo } from 'node:net';
import { describe, test, type TestContext } from 'node:test';
import pino from 'pino';
import type { BackendFactory } from '../src/inference/backend.js';
import Fastify from 'fastify';
import { deferringLogger } from '../src/logging.js';
import { buildTestApp, call, DEFAULT_MODELS, gatedBackend, LogCapture } from './helper.js';

const DISTINCTIVE = 123.456789;
const SECRET_TOKEN = 'Bearer tok-5f3a9c1e-never-log-me';
const SECRET_KEY = 'key-8d41b7e2-never-log-me';

const infer = (data: number[]) => ({ inputs: [{ name: 'features', datatype: 'FP32', shape: [1, 4], data }] });

const irisApp = (t: TestContext, deps = {}, config = {}) => buildTestApp(t, { config: { models: DEFAULT_MODELS, ...config }, deps });

/** The 'request' lines carrying this request id. */
const requestLines = (logs: LogCapture, reqId: string) => logs.lines.filter((l) => l.msg === 'request' && l.reqId === reqId);

/** A backend that loads (iris's signature) but fails every run with an internal message. */
const failingBackend: BackendFactory = async () => ({
  signature: {
    inputs: [{ name: 'features', datatype: 'FP32', shape: [-1, 4] }],
    outputs: [{ name: 'probabilities', datatype: 'FP32', shape: [-1, 3] }],
  },
  run: async () => {
    throw new Error('secret internal detail');
  },
  dispose: async () => undefined,
});

describe('request log', () => {
  test('writes exactly one "request" line per request, with id, method, route pattern, model, version, status and duration', async (t) => {
    const { app, logs } = await irisApp(t);
    const cases: { id: string; method: 'GET' | 'POST'; url: string; payload?: unknown; route: string; model?: string; version?: number; status: number }[] = [
      { id: 'log-v2', method: 'POST', url: '/v2/models/iris/infer', payload: infer([1, 2, 3, 4]), route: '/v2/models/:model/infer', model: 'iris', version: 2, status: 200 },
      { id: 'log-v2-versioned', method: 'POST', url: '/v2/models/iris/versions/1/infer', payload: infer([1, 2, 3, 4]), route: '/v2/models/:model/versions/:version/infer', model: 'iris', version: 1, status: 200 },
      { id: 'log-v1', method: 'POST', url: '/v1/models/iris:predict', payload: { instances: [[1, 2, 3, 4]] }, route: '/v1/models/:model', model: 'iris', version: 2, status: 200 },
      { id: 'log-bad', method: 'POST', url: '/v2/models/iris/infer', payload: infer([1, 2, 3]), route: '/v2/models/:model/infer', model: 'iris', status: 400 },
      { id: 'log-ready', method: 'GET', url: '/v2/health/ready', route: '/v2/health/ready', status: 200 },
      { id: 'log-meta', method: 'GET', url: '/v2/models/iris?verbose=1', route: '/v2/models/:model', model: 'iris', status: 200 },
      { id: 'log-missing', method: 'GET', url: '/v2/models/nothing-here', route: '/v2/models/:model', model: 'nothing-here', status: 404 },
      { id: 'log-no-route', method: 'GET', url: '/no/such/route?q=1', route: '/no/such/route', status: 404 },
    ];
    for (const c of cases) {
      const res = await app.inject({ method: c.method, url: c.url, payload: c.payload === undefined ? undefined : JSON.stringify(c.payload), headers: { 'x-request-id': c.id } });
      assert.equal(res.statusCode, c.status, `${c.id}: ${res.body}`);
    }
    for (const c of cases) {
      const lines = requestLines(logs, c.id);
      assert.equal(lines.length, 1, `${c.id}: exactly one request line, got ${JSON.stringify(lines)}`);
      const [line] = lines;
      assert.equal(line.method, c.method, c.id);
      assert.ok(String(line.url).startsWith(c.route), `${c.id}: url ${line.url} is the route pattern ${c.route}`);
      assert.ok(!String(line.url).includes('?'), `${c.id}: no query string`);
      assert.equal(line.model, c.model, `${c.id}: model`);
      assert.equal(line.version, c.version, `${c.id}: version`);
      assert.equal(line.status, c.status, `${c.id}: status`);
      assert.equal(typeof line.durationMs, 'number', `${c.id}: durationMs`);
      assert.ok((line.durationMs as number) >= 0, `${c.id}: durationMs ${line.durationMs} >= 0`);
      if (c.status >= 400) assert.equal(typeof line.error, 'string', `${c.id}: the client's error message is logged`);
    }
    assert.equal(logs.lines.filter((l) => l.msg === 'request').length, cases.length, 'no request logged twice or by Fastify itself');
  });

  test('with --access-log false only failed requests are logged, so a very busy server need not pay a line per success', async (t) => {
    const { app, logs } = await irisApp(t, {}, { accessLog: false });
    const ok = await app.inject({ method: 'POST', url: '/v2/models/iris/infer', payload: infer([1, 2, 3, 4]), headers: { 'x-request-id': 'quiet-ok' } });
    const bad = await app.inject({ method: 'POST', url: '/v2/models/iris/infer', payload: infer([1, 2, 3]), headers: { 'x-request-id': 'quiet-bad' } });
    assert.deepEqual([ok.statusCode, bad.statusCode], [200, 400]);
    assert.equal(requestLines(logs, 'quiet-ok').length, 0);
    assert.equal(requestLines(logs, 'quiet-bad').length, 1);
  });

  test('echoes a client X-Request-Id in the response and logs under it', async (t) => {
    const { app, logs } = await irisApp(t);
    const res = await app.inject({ method: 'POST', url: '/v2/models/iris/infer', payload: infer([1, 2, 3, 4]), headers: { 'x-request-id': 'trace-4b2e.7:a_1' } });
    assert.equal(res.statusCode, 200);
    assert.equal(res.headers['x-request-id'], 'trace-4b2e.7:a_1');
    assert.equal(requestLines(logs, 'trace-4b2e.7:a_1').length, 1);
  });

  test('generates a request id when none is sent, and replaces one that could forge log content', async (t) => {
    const { app, logs } = await irisApp(t);
    const none = await app.inject({ url: '/v2/health/live' });
    const generated = String(none.headers['x-request-id']);
    assert.match(generated, /^[0-9a-f-]{36}$/);
    assert.equal(requestLines(logs, generated).length, 1);
    const forged = 'x" injected="1 ' + 'a'.repeat(200);
    const res = await app.inject({ url: '/v2/health/live', headers: { 'x-request-id': forged } });
    assert.notEqual(res.headers['x-request-id'], forged);
    assert.match(String(res.headers['x-request-id']), /^[0-9a-f-]{36}$/);
    assert.ok(!logs.text.includes('injected'), 'the forged id is not logged');
  });

  test('never logs tensor data, in requests or responses, over V2 and V1', async (t) => {
    const { app, logs } = await irisApp(t);
    const v2 = await call(app, { method: 'POST', url: '/v2/models/iris/infer', payload: infer([DISTINCTIVE, 3.5, 1.4, 0.2]) });
    assert.equal(v2.res.statusCode, 200);
    const v1 = await call(app, { method: 'POST', url: '/v1/models/iris:predict', payload: { instances: [[5.1, DISTINCTIVE, 1.4, 0.2]] } });
    assert.equal(v1.res.statusCode, 200);
    const shape = await call(app, { method: 'POST', url: '/v2/models/iris/infer', payload: { inputs: [{ name: 'features', datatype: 'FP32', shape: [1, 3], data: [DISTINCTIVE, 1, 2] }] } });
    assert.equal(shape.res.statusCode, 400);
    const output = v2.body.outputs[0].data[0] as number;
    assert.ok(logs.lines.length > 0, 'something was logged');
    assert.ok(!logs.text.includes('123.456'), 'input value absent');
    assert.ok(!logs.text.includes(String(output).slice(0, 8)), 'output value absent');
  });

  test('never logs tensor data quoted in a 400 message about a bad element', async (t) => {
    const { app, logs } = await buildTestApp(t);
    const res = await app.inject({ method: 'POST', url: '/v1/models/multi-io:predict', payload: JSON.stringify({ inputs: { a: [[1, 2, 3]], b: [[1, 2, 3]], k: [[DISTINCTIVE]] } }) });
    assert.equal(res.statusCode, 400);
    assert.ok(!logs.text.includes('123.456'), logs.text);
  });

  test('never logs tensor data quoted from a malformed JSON body', async (t) => {
    const { app, logs } = await irisApp(t);
    const res = await app.inject({ method: 'POST', url: '/v2/models/iris/infer', payload: `{"inputs":[{"name":"features","datatype":"FP32","shape":[1,4],"data":[${DISTINCTIVE},1,2,x]}]}` });
    assert.equal(res.statusCode, 400);
    assert.ok(!logs.text.includes('56789'), logs.text);
  });

  test('never logs an Authorization or X-API-Key value, on success, client error or server error', async (t) => {
    const headers = { authorization: SECRET_TOKEN, 'x-api-key': SECRET_KEY, cookie: 'session=never-log-me' };
    const ok = await irisApp(t);
    assert.equal((await ok.app.inject({ method: 'POST', url: '/v2/models/iris/infer', payload: infer([1, 2, 3, 4]), headers })).statusCode, 200);
    assert.equal((await ok.app.inject({ url: '/v2/models/nope', headers })).statusCode, 404);
    assert.equal((await ok.app.inject({ method: 'POST', url: '/v2/models/iris/infer', payload: '{', headers })).statusCode, 400);
    const failing = await irisApp(t, { createBackend: failingBackend }, { warmup: false });
    assert.equal((await failing.app.inject({ method: 'POST', url: '/v2/models/iris/infer', payload: infer([1, 2, 3, 4]), headers })).statusCode, 500);
    for (const { logs } of [ok, failing]) {
      assert.ok(logs.lines.some((l) => l.msg === 'request'), 'requests were logged');
      for (const secret of ['tok-5f3a9c1e', 'key-8d41b7e2', 'never-log-me']) assert.ok(!logs.text.includes(secret), `${secret} absent`);
    }
  });

  for (const protocol of ['v2', 'v1'] as const) {
    test(`a ${protocol} inference that fails inside the runtime answers 500 with the request id but not the detail, which goes to the error log`, async (t) => {
      const { app, logs } = await irisApp(t, { createBackend: failingBackend }, { warmup: false });
      const id = `fail-${protocol}`;
      const { res, body } = await call(app, {
        method: 'POST',
        url: protocol === 'v2' ? '/v2/models/iris/infer' : '/v1/models/iris:predict',
        payload: protocol === 'v2' ? infer([1, 2, 3, 4]) : { instances: [[1, 2, 3, 4]] },
        headers: { 'x-request-id': id },
      });
      assert.equal(res.statusCode, 500);
      assert.match(String(res.headers['content-type']), /^application\/json/);
      assert.deepEqual(Object.keys(body), ['error']);
      assert.ok(!body.error.includes('secret internal detail'), `client sees no detail: ${body.error}`);
      assert.ok(body.error.includes(id), `client sees the request id: ${body.error}`);
      const errorLines = logs.lines.filter((l) => l.level === 50 && l.reqId === id && JSON.stringify(l).includes('secret internal detail'));
      assert.ok(errorLines.length >= 1, 'the detail is in an error-level line under the request id');
      const [line] = requestLines(logs, id);
      assert.equal(line.status, 500);
      assert.equal(line.level, 50, 'a 5xx request line is logged at error level');
    });
  }

  test('logs one line for a request whose client hung up before the answer', async (t) => {
    const { createBackend, hold } = gatedBackend();
    const { app, logs } = await irisApp(t, { createBackend });
    await app.listen({ host: '127.0.0.1', port: 0 });
    const { port } = app.server.address() as AddressInfo;
    const gate = hold();
    const abort = new AbortController();
    const pending = fetch(`http://127.0.0.1:${port}/v2/models/iris/infer`, { method: 'POST', body: JSON.stringify(infer([1, 2, 3, 4])), headers: { 'x-request-id': 'hung-up' }, signal: abort.signal });
    await gate.entered;
    abort.abort();
    await assert.rejects(pending, { name: 'AbortError' });
    for (let i = 0; i < 100 && requestLines(logs, 'hung-up').length === 0; i++) await new Promise((r) => setTimeout(r, 20));
    gate.release();
    await new Promise((r) => setTimeout(r, 50));
    const lines = requestLines(logs, 'hung-up');
    assert.equal(lines.length, 1, JSON.stringify(lines));
    assert.equal(lines[0].status, 499);
    assert.equal(lines[0].model, 'iris');
    app.server.closeAllConnections(); // NOTE: undici keeps the aborted socket for its 4 s keep-alive; don't make close() wait
  });
});

describe('per-request logger', () => {
  /** A pino logger at info writing into a capture, counting the children made from it. */
  const countingLogger = () => {
    const logs = new LogCapture();
    let children = 0;
    const logger = pino({ level: 'info', onChild: () => children++ }, logs);
    return { logs, logger, children: () => children };
  };

  test('makes no child logger for a request that logs nothing, or only below the level', () => {
    const { logs, logger, children } = countingLogger();
    const log = deferringLogger(logger).child({ reqId: 'r-1' }, {});
    log.debug('not written');
    log.trace({ x: 1 }, 'not written');
    assert.equal(children(), 0);
    assert.equal(logs.lines.length, 0);
    assert.equal(log.level, 'info');
    assert.equal(log.isLevelEnabled('debug'), false);
  });

  test('makes one child on the first line and writes every line of the request with its bindings', () => {
    const { logs, logger, children } = countingLogger();
    const log = deferringLogger(logger).child({ reqId: 'r-2' }, {});
    log.info({ a: 1 }, 'first');
    log.error('second');
    assert.equal(children(), 1);
    log.child({ part: 'x' }).warn('third');
    assert.deepEqual(logs.lines.map((l) => [l.msg, l.reqId, l.level]), [['first', 'r-2', 30], ['second', 'r-2', 50], ['third', 'r-2', 40]]);
    assert.equal(logs.lines[0].a, 1);
    assert.equal(logs.lines[2].part, 'x');
    assert.deepEqual(log.bindings(), { reqId: 'r-2' });
  });

  test('a level set on the request logger applies to its lines only, not the process logger', () => {
    const { logs, logger } = countingLogger();
    const log = deferringLogger(logger).child({ reqId: 'r-3' }, {});
    log.level = 'debug';
    log.debug('written');
    logger.debug('not written');
    assert.deepEqual(logs.lines.map((l) => l.msg), ['written']);
  });

  test('a route with its own log options gets a real child at once', () => {
    const { logs, logger, children } = countingLogger();
    const log = deferringLogger(logger).child({ reqId: 'r-4' }, { level: 'warn' });
    assert.equal(children(), 1);
    log.info('not written');
    log.warn('written');
    assert.deepEqual(logs.lines.map((l) => [l.msg, l.reqId]), [['written', 'r-4']]);
  });

  test('Fastify given deferringLogger: no child for a quiet request, one with the request id for a logging one, real children for a route level', async (t) => {
    const { logs, logger, children } = countingLogger();
    const app = Fastify({ loggerInstance: deferringLogger(logger), disableRequestLogging: true, genReqId: () => 'r-5' });
    t.after(() => app.close());
    app.get('/quiet', async () => 'ok');
    app.get('/loud', async (request) => {
      request.log.info({ a: 1 }, 'from the route');
      request.log.child({ part: 'y' }).warn('from a child');
      return 'ok';
    });
    app.get('/debug', { logLevel: 'debug' }, async (request) => {
      request.log.debug('at the route level');
      return 'ok';
    });
    await app.ready();
    const made = children(); // Fastify's own root logger (its serializers), made once at startup
    assert.equal((await app.inject({ url: '/quiet' })).statusCode, 200);
    assert.equal(children(), made, 'a request that logs nothing makes no child');
    assert.equal((await app.inject({ url: '/loud' })).statusCode, 200);
    assert.equal(children(), made + 2, 'one deferred child made on first use, plus the child asked for');
    assert.equal((await app.inject({ url: '/debug' })).statusCode, 200);
    app.log.info('from the app');
    assert.deepEqual(
      logs.lines.map((l) => [l.msg, l.reqId, l.level]),
      [['from the route', 'r-5', 30], ['from a child', 'r-5', 40], ['at the route level', 'r-5', 20], ['from the app', undefined, 30]],
    );
    assert.equal(logs.lines[1].part, 'y');
    assert.equal(logger.isLevelEnabled('debug'), false, 'the route level stays the route\'s');
  });
});
