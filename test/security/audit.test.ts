// src/security/audit.ts: structured audit events (`audit: true`) for refused credentials, model loads and unloads, naming the principal, never the secret.
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { writeFileSync } from 'node:fs';
import { test } from 'node:test';
import { buildTestApp, DEFAULT_MODELS } from '../helper.js';
import { claims, makeKeys, rsaKey, scratchDir, signJwt, jwks } from '../helpers/credentials.js';

test('refused credentials are audited with the precise reason and the claimed name; the client reads less; no secret is logged', async (t) => {
  const dir = scratchDir('audit');
  const rsa = rsaKey('k1');
  writeFileSync(join(dir, 'jwks.json'), JSON.stringify(jwks(rsa)));
  const { entries, keys } = await makeKeys([{ name: 'billing', scopes: ['infer:iris'] }]);
  const { app, logs } = await buildTestApp(t, {
    config: { models: DEFAULT_MODELS, auth: true, apiKeys: JSON.stringify(entries), jwtJwks: join(dir, 'jwks.json'), jwtIssuer: 'https://issuer.test', jwtAudience: 'onnx-serve' },
  });
  const wrongSecret = `${keys.billing.slice(0, 17)}${'Z'.repeat(43)}`;
  const wrongAudience = signJwt(rsa, claims({ sub: 'bob', aud: 'payments' }));
  const forged = signJwt(rsaKey('k1'), claims({ sub: 'mallory' }));
  const answers = [];
  for (const headers of [{ 'x-api-key': wrongSecret }, { authorization: `Bearer ${wrongAudience}` }, { authorization: `Bearer ${forged}` }]) {
    const res = await app.inject({ url: '/v2/models/iris', headers, remoteAddress: '192.0.2.44' });
    answers.push([res.statusCode, JSON.parse(res.body).error]);
  }
  assert.deepEqual(answers, [[401, 'invalid API key'], [401, 'invalid token'], [401, 'invalid token']]);
  const events = logs.lines.filter((l) => l.audit === true && l.event === 'auth.failure');
  assert.deepEqual(
    events.map((e) => [e.credential, e.reason, e.claimed, e.ip, e.url, e.model]),
    [
      ['api-key', 'mismatch', 'billing', '192.0.2.44', '/v2/models/:model', 'iris'],
      ['jwt', 'wrong-audience', 'bob', '192.0.2.44', '/v2/models/:model', 'iris'],
      ['jwt', 'bad-signature', 'mallory', '192.0.2.44', '/v2/models/:model', 'iris'],
    ],
  );
  for (const secret of [keys.billing, wrongSecret, wrongAudience, forged, wrongSecret.slice(17)]) assert.ok(!logs.text.includes(secret));

  assert.equal((await app.inject({ url: '/v2/models/iris', headers: { 'x-api-key': keys.billing } })).statusCode, 200);
  const line = logs.lines.find((l) => l.msg === 'request' && l.status === 200);
  assert.equal(line?.principal, 'key:billing', 'request lines name the principal');
});

test('model versions entering and leaving service are audited, whoever triggered it', async (t) => {
  const { app, logs } = await buildTestApp(t, { config: { models: DEFAULT_MODELS } });
  const loaded = logs.lines.filter((l) => l.audit === true && l.event === 'model.loaded').map((l) => `${l.model}/${l.version}`);
  assert.deepEqual(loaded.sort(), ['bench-mlp/1', 'iris/1', 'iris/2']);
  await app.dataPlane.registry.unloadModel('iris');
  const unloaded = logs.lines.filter((l) => l.audit === true && l.event === 'model.unloaded').map((l) => `${l.model}/${l.version}`);
  assert.deepEqual(unloaded.sort(), ['iris/1', 'iris/2']);
});

test('the security settings are logged at startup without any secret', async (t) => {
  const secret = 'startup-secret-0123456789abcdef0123456789';
  const { logs } = await buildTestApp(t, { config: { models: DEFAULT_MODELS, auth: true, jwtSecret: secret, jwtAudience: 'onnx-serve', rateLimitPerSecond: 5 }, load: false });
  const settings = logs.lines.find((l) => l.event === 'security.settings');
  assert.deepEqual([settings?.auth, settings?.rateLimit, settings?.tls], [['JWT HS256'], '5/s', 'off']);
  assert.ok(!logs.text.includes(secret));
});
