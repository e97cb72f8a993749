// src/plugins/response-headers.ts and cors.ts: API security headers on every answer (errors too), Swagger UI still working, CORS off unless configured.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { buildTestApp, DEFAULT_MODELS } from '../helper.js';
import { makeKeys } from '../helpers/credentials.js';

const FEATURES = JSON.stringify({ inputs: [{ name: 'features', datatype: 'FP32', shape: [1, 4], data: [5.1, 3.5, 1.4, 0.2] }] });

describe('security headers', () => {
  test('inference, metadata, errors and probes are no-store, nosniff, unframeable, without a referrer', async (t) => {
    const { app } = await buildTestApp(t, { config: { models: DEFAULT_MODELS } });
    const answers = [
      await app.inject({ method: 'POST', url: '/v2/models/iris/infer', payload: FEATURES }),
      await app.inject({ url: '/v2/models/iris' }),
      await app.inject({ url: '/v2/models/nope' }),
      await app.inject({ method: 'POST', url: '/v2/models/iris/infer', payload: '{' }),
      await app.inject({ url: '/v2/health/ready' }),
      await app.inject({ url: '/metrics' }),
    ];
    for (const res of answers) {
      const what = `${res.statusCode} ${res.body.slice(0, 60)}`;
      assert.equal(res.headers['x-content-type-options'], 'nosniff', what);
      assert.equal(res.headers['cache-control'], 'no-store', what);
      assert.equal(res.headers['content-security-policy'], "default-src 'none'; frame-ancestors 'none'", what);
      assert.equal(res.headers['x-frame-options'], 'DENY', what);
      assert.equal(res.headers['referrer-policy'], 'no-referrer', what);
      assert.equal(res.headers['strict-transport-security'], undefined, `${what}: HSTS only over TLS`);
    }
  });

  test('once shutdown begins, answers close their connection, also those of requests already running then', async (t) => {
    const { app } = await buildTestApp(t, { config: { models: DEFAULT_MODELS } });
    const before = await app.inject({ method: 'POST', url: '/v2/models/iris/infer', payload: FEATURES });
    assert.notEqual(before.headers.connection, 'close');
    // NOTE: the drain begins after this request started and before its answer is written.
    app.dataPlane.addHooks({ onInference: () => app.health.markDraining() });
    const running = await app.inject({ method: 'POST', url: '/v2/models/iris/infer', payload: FEATURES });
    assert.equal(running.statusCode, 200);
    assert.equal(running.headers.connection, 'close');
    const after = await app.inject({ url: '/v2/health/live' });
    assert.equal(after.headers.connection, 'close');
    assert.equal(after.headers['x-frame-options'], 'DENY');
  });

  test("Swagger UI keeps the script and style sources it needs, and its static files' own caching", async (t) => {
    const { app } = await buildTestApp(t, { config: { models: DEFAULT_MODELS }, load: false });
    const page = await app.inject({ url: '/docs/' });
    assert.equal(page.statusCode, 200);
    const csp = String(page.headers['content-security-policy']);
    assert.match(csp, /script-src 'self'/);
    assert.doesNotMatch(csp, /default-src 'none'/);
    const css = await app.inject({ url: '/docs/static/swagger-ui.css' });
    assert.equal(css.statusCode, 200);
    assert.notEqual(css.headers['cache-control'], 'no-store');
    assert.equal(css.headers['x-content-type-options'], 'nosniff');
  });
});

describe('CORS', () => {
  test('is off by default: no CORS headers, and a preflight is not answered as one', async (t) => {
    const { app } = await buildTestApp(t, { config: { models: DEFAULT_MODELS }, load: false });
    const res = await app.inject({ url: '/v2/health/live', headers: { origin: 'https://app.example' } });
    assert.equal(res.headers['access-control-allow-origin'], undefined);
    const preflight = await app.inject({ method: 'OPTIONS', url: '/v2/models/iris/infer', headers: { origin: 'https://app.example', 'access-control-request-method': 'POST' } });
    assert.equal(preflight.headers['access-control-allow-origin'], undefined);
    assert.notEqual(preflight.statusCode, 204);
  });

  test('allows the configured origins only, answers their preflights before auth, and exposes the headers clients need', async (t) => {
    const { entries, keys } = await makeKeys([{ name: 'web', scopes: ['infer:iris'] }]);
    const { app } = await buildTestApp(t, {
      config: { models: DEFAULT_MODELS, corsOrigins: 'https://app.example, https://admin.example:8443', auth: true, apiKeys: JSON.stringify(entries) },
    });
    const preflight = await app.inject({
      method: 'OPTIONS',
      url: '/v2/models/iris/infer',
      headers: { origin: 'https://app.example', 'access-control-request-method': 'POST', 'access-control-request-headers': 'authorization, content-type' },
    });
    assert.equal(preflight.statusCode, 204, 'no credentials needed for a preflight');
    assert.equal(preflight.headers['access-control-allow-origin'], 'https://app.example');
    assert.match(String(preflight.headers['access-control-allow-headers']), /authorization/);
    assert.match(String(preflight.headers['access-control-allow-methods']), /POST/);
    assert.equal(preflight.headers.vary, 'Origin');

    const ok = await app.inject({ method: 'POST', url: '/v2/models/iris/infer', payload: FEATURES, headers: { origin: 'https://app.example', 'x-api-key': keys.web } });
    assert.equal(ok.statusCode, 200);
    assert.equal(ok.headers['access-control-allow-origin'], 'https://app.example');
    assert.match(String(ok.headers['access-control-expose-headers']), /ratelimit-remaining/);
    const refused = await app.inject({ method: 'POST', url: '/v2/models/iris/infer', payload: FEATURES, headers: { origin: 'https://admin.example:8443' } });
    assert.equal(refused.statusCode, 401);
    assert.equal(refused.headers['access-control-allow-origin'], 'https://admin.example:8443', 'the browser may read why it was refused');

    const foreign = await app.inject({ method: 'OPTIONS', url: '/v2/models/iris/infer', headers: { origin: 'https://evil.example', 'access-control-request-method': 'POST' } });
    assert.equal(foreign.headers['access-control-allow-origin'], undefined);
    const foreignGet = await app.inject({ url: '/v2/health/live', headers: { origin: 'https://evil.example' } });
    assert.equal(foreignGet.headers['access-control-allow-origin'], undefined);
  });

  test('* allows any origin', async (t) => {
    const { app } = await buildTestApp(t, { config: { models: DEFAULT_MODELS, corsOrigins: '*' }, load: false });
    const res = await app.inject({ url: '/v2/health/live', headers: { origin: 'https://anything.example' } });
    assert.equal(res.headers['access-control-allow-origin'], '*');
  });
});
