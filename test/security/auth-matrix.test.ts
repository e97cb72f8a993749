// The acceptance matrix: every route of the app (from app.routeIndex, so none is forgotten) × every kind of credential → exactly 401 / 403 / 2xx.
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import type { InjectOptions } from 'fastify';
import { requiredScope, type Access } from '../../src/security/access.js';
import { buildTestApp, DEFAULT_MODELS } from '../helper.js';
import { claims, ecKey, jwks, makeKeys, nowSeconds, rsaKey, scratchDir, signJwt, writeKeysFile, type SigningKey } from '../helpers/credentials.js';

const FEATURES = { inputs: [{ name: 'features', datatype: 'FP32', shape: [1, 4], data: [5.1, 3.5, 1.4, 0.2] }] };
const INSTANCES = { instances: [[5.1, 3.5, 1.4, 0.2]] };

/**
 * One request per route that succeeds when it is allowed. A route the app serves without an entry here fails
 * the test: whoever adds a route shows here what it answers to each kind of caller.
 */
const SAMPLES: Record<string, { url: string; payload?: unknown; ok: number }> = {
  'GET /docs': { url: '/docs', ok: 200 },
  'GET /docs/static/index.html': { url: '/docs/static/index.html', ok: 302 },
  'GET /docs/static/swagger-initializer.js': { url: '/docs/static/swagger-initializer.js', ok: 200 },
  'GET /docs/json': { url: '/docs/json', ok: 200 },
  'GET /docs/yaml': { url: '/docs/yaml', ok: 200 },
  'GET /docs/static/*': { url: '/docs/static/swagger-ui.css', ok: 200 },
  'GET /metrics': { url: '/metrics', ok: 200 },
  'GET /v2': { url: '/v2', ok: 200 },
  'GET /v2/health/live': { url: '/v2/health/live', ok: 200 },
  'GET /v2/health/ready': { url: '/v2/health/ready', ok: 200 },
  'GET /v2/models': { url: '/v2/models', ok: 200 },
  'GET /v2/models/:model': { url: '/v2/models/iris', ok: 200 },
  'GET /v2/models/:model/versions/:version': { url: '/v2/models/iris/versions/1', ok: 200 },
  'GET /v2/models/:model/ready': { url: '/v2/models/iris/ready', ok: 200 },
  'GET /v2/models/:model/versions/:version/ready': { url: '/v2/models/iris/versions/1/ready', ok: 200 },
  'POST /v2/models/:model/infer': { url: '/v2/models/iris/infer', payload: FEATURES, ok: 200 },
  'POST /v2/models/:model/versions/:version/infer': { url: '/v2/models/iris/versions/1/infer', payload: FEATURES, ok: 200 },
  'POST /v1/models/:model(^[A-Za-z0-9][A-Za-z0-9_.-]*)::predict': { url: '/v1/models/iris:predict', payload: INSTANCES, ok: 200 },
  'POST /v1/models/:model/versions/:version(^[0-9]+)::predict': { url: '/v1/models/iris/versions/1:predict', payload: INSTANCES, ok: 200 },
  'GET /v1/models': { url: '/v1/models', ok: 200 },
  'GET /v1/models/:model': { url: '/v1/models/iris', ok: 200 },
  'POST /v2/models/:model/feedback': { url: '/v2/models/iris/feedback', payload: { items: [{ id: 'never-predicted', label: 0 }] }, ok: 200 },
  'GET /v2/models/:model/monitoring': { url: '/v2/models/iris/monitoring', ok: 200 },
  'POST /v2/repository/index': { url: '/v2/repository/index', ok: 200 },
  'POST /v2/repository/models/:model/load': { url: '/v2/repository/models/iris/load', ok: 200 },
  // NOTE: not iris: the routes sampled after this one still need it loaded.
  'POST /v2/repository/models/:model/unload': { url: '/v2/repository/models/bench-mlp/unload', ok: 200 },
  'GET /v2/models/stats': { url: '/v2/models/stats', ok: 200 },
  'GET /v2/models/:model/stats': { url: '/v2/models/iris/stats', ok: 200 },
  'GET /v2/models/:model/versions/:version/stats': { url: '/v2/models/iris/versions/1/stats', ok: 200 },
};

/** Every scope a route of `access` does not accept (so no other scope implies it), plus scopes for another model. */
const ALL_BUT: Record<Exclude<Access, 'public'>, string[]> = {
  infer: ['read:*', 'metrics:read', 'admin', 'infer:other-model'],
  read: ['metrics:read', 'admin', 'read:other-model', 'infer:other-model'],
  metrics: ['read:*', 'infer:*', 'admin'],
  admin: ['read:*', 'infer:*', 'metrics:read'],
};
const KINDS = Object.keys(ALL_BUT) as Exclude<Access, 'public'>[];

type Case = 'no credentials' | 'malformed header' | 'unknown key' | 'expired token' | 'wrong audience' | 'wrong signature'
  | 'valid key without the scope' | 'valid token without the scope' | 'valid key with the scope' | 'valid token with the scope';

test('every route × every credential answers exactly 401, 403 or its 2xx, and no key or token reaches the logs', async (t) => {
  const dir = scratchDir('auth-matrix');
  const rsa = rsaKey('rsa-1');
  const ec = ecKey('ec-1');
  const impostor = rsaKey('rsa-1'); // NOTE: same kid, different key: a forged signature
  const hs: SigningKey = { alg: 'HS256', secret: 'matrix-secret-0123456789abcdef0123456789' };
  const specs = KINDS.flatMap((kind) => [
    { name: `has-${kind}`, scopes: [requiredScope(kind, 'iris')] },
    { name: `lacks-${kind}`, scopes: ALL_BUT[kind] },
  ]);
  const { entries, keys } = await makeKeys(specs);
  const jwksFile = join(dir, 'jwks.json');
  writeFileSync(jwksFile, JSON.stringify(jwks(rsa, ec)));
  const { app, logs } = await buildTestApp(t, {
    config: {
      models: DEFAULT_MODELS,
      auth: true,
      apiKeysFile: writeKeysFile(join(dir, 'keys.json'), entries),
      jwtJwks: jwksFile,
      jwtSecret: hs.alg === 'HS256' ? hs.secret : undefined,
      jwtIssuer: 'https://issuer.test',
      jwtAudience: 'onnx-serve',
    },
  });
  await app.ready();

  const secrets: string[] = [...Object.values(keys), hs.alg === 'HS256' ? hs.secret : ''];
  const bearer = (token: string) => {
    secrets.push(token);
    return { authorization: `Bearer ${token}` };
  };
  const credentials = (kind: Exclude<Access, 'public'>, scope: string): Record<Case, Record<string, string>> => ({
    'no credentials': {},
    'malformed header': { authorization: 'Bearer' },
    'unknown key': { 'x-api-key': 'osk_0123456789ab_AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA' },
    'expired token': bearer(signJwt(rsa, claims({ scope, exp: nowSeconds() - 3600, iat: nowSeconds() - 7200 }))),
    'wrong audience': bearer(signJwt(ec, claims({ scope, aud: 'another-service' }))),
    'wrong signature': bearer(signJwt(impostor, claims({ scope }))),
    'valid key without the scope': { 'x-api-key': keys[`lacks-${kind}`] },
    'valid token without the scope': bearer(signJwt(hs, claims({ scope: ALL_BUT[kind].join(' ') }))),
    'valid key with the scope': bearer(keys[`has-${kind}`]),
    'valid token with the scope': bearer(signJwt(rsa, claims({ scope }))),
  });

  const unsampled = app.routeIndex.filter((r) => SAMPLES[`${r.method} ${r.url}`] === undefined).map((r) => `${r.method} ${r.url}`);
  assert.deepEqual(unsampled, [], 'routes with no sample request in SAMPLES (add one)');
  let checked = 0;
  for (const route of app.routeIndex) {
    const sample = SAMPLES[`${route.method} ${route.url}`];
    const access = route.access ?? 'admin';
    const kind = access === 'public' ? 'admin' : access;
    const scope = requiredScope(kind, 'iris');
    for (const [name, headers] of Object.entries(credentials(kind, scope)) as [Case, Record<string, string>][]) {
      const opts: InjectOptions = { method: route.method as 'GET', url: sample.url, headers, payload: sample.payload === undefined ? undefined : JSON.stringify(sample.payload) };
      const res = await app.inject(opts);
      const what = `${route.method} ${route.url} with ${name}: ${res.statusCode} ${res.body.slice(0, 200)}`;
      checked++;
      if (access === 'public') {
        assert.equal(res.statusCode, sample.ok, what);
      } else if (name.startsWith('valid') && name.endsWith('with the scope')) {
        assert.equal(res.statusCode, sample.ok, what);
      } else if (name.includes('without the scope')) {
        if (route.url.endsWith('/models') || route.url === '/v2/models/stats') {
          // NOTE: list routes answer every authenticated caller with only the models it may read: here none.
          assert.equal(res.statusCode, 200, what);
          assert.deepEqual(JSON.parse(res.body), route.url.endsWith('/stats') ? { model_stats: [] } : { models: [] }, what);
        } else {
          assert.equal(res.statusCode, 403, what);
          assert.deepEqual(JSON.parse(res.body), { error: `this credential lacks the scope '${scope}'` }, what);
          assert.match(String(res.headers['www-authenticate']), /error="insufficient_scope"/, what);
        }
      } else {
        assert.equal(res.statusCode, 401, what);
        assert.equal(typeof JSON.parse(res.body).error, 'string', what);
        assert.match(String(res.headers['www-authenticate']), /^Bearer realm="onnx-serve"/, what);
      }
    }
  }
  assert.equal(checked, app.routeIndex.length * 10);
  const list = await app.inject({ url: '/v2/models', headers: { 'x-api-key': keys['has-read'] } });
  assert.deepEqual(JSON.parse(list.body), { models: ['iris'] }, 'read:iris lists iris and nothing else');

  assert.ok(logs.lines.some((l) => l.audit === true && l.event === 'auth.failure'), 'failures are audited');
  for (const secret of secrets.filter((s) => s !== '')) {
    assert.ok(!logs.text.includes(secret), 'a key or token reached the logs');
    const signature = secret.split('.')[2];
    if (signature !== undefined) assert.ok(!logs.text.includes(signature), 'a token signature reached the logs');
  }
});
