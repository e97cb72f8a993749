// Rate limits on the real app: 429 with Retry-After and RateLimit-* headers, per principal, per address when anonymous, health exempt.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { buildTestApp, call, DEFAULT_MODELS } from '../helper.js';
import { makeKeys } from '../helpers/credentials.js';

const LIMITS = { rateLimitPerSecond: 0.01, rateLimitBurst: 2 };

describe('rate limits', () => {
  test('the request after the burst is 429 with Retry-After and RateLimit headers; earlier ones count down', async (t) => {
    const { app } = await buildTestApp(t, { config: { models: DEFAULT_MODELS, ...LIMITS } });
    const first = await app.inject({ url: '/v2/models/iris' });
    const second = await app.inject({ url: '/v2/models/iris' });
    const third = await call(app, { url: '/v2/models/iris' });
    assert.deepEqual([first.statusCode, second.statusCode, third.res.statusCode], [200, 200, 429]);
    assert.deepEqual([first.headers['ratelimit-limit'], first.headers['ratelimit-remaining']], ['2', '1']);
    assert.deepEqual([second.headers['ratelimit-remaining']], ['0']);
    assert.equal(third.res.headers['ratelimit-remaining'], '0');
    // NOTE: a range, since a slow machine may refill a fraction of a token between the requests.
    const retryAfter = Number(third.res.headers['retry-after']);
    assert.ok(retryAfter > 90 && retryAfter <= 100, `1 token at 0.01/s: Retry-After ${retryAfter}`);
    const reset = Number(third.res.headers['ratelimit-reset']);
    assert.ok(reset > 190 && reset <= 200, `the whole burst back after 200 s: RateLimit-Reset ${reset}`);
    assert.match(third.body.error, /^rate limit exceeded/);
  });

  test('health and other public routes are never limited nor carry the headers', async (t) => {
    const { app } = await buildTestApp(t, { config: { models: DEFAULT_MODELS, ...LIMITS } });
    for (let i = 0; i < 10; i++) {
      for (const url of ['/v2/health/live', '/v2/health/ready', '/v2/models/iris/ready', '/v2']) {
        const res = await app.inject({ url });
        assert.equal(res.statusCode, 200, url);
        assert.equal(res.headers['ratelimit-limit'], undefined, url);
      }
    }
  });

  test('anonymous callers are limited per address, behind a trusted proxy by X-Forwarded-For', async (t) => {
    const { app } = await buildTestApp(t, { config: { models: DEFAULT_MODELS, ...LIMITS, trustProxy: '10.0.0.1' } });
    const from = (remoteAddress: string, forwarded?: string) =>
      app.inject({ url: '/v2/models', remoteAddress, headers: forwarded === undefined ? {} : { 'x-forwarded-for': forwarded } });
    assert.deepEqual([(await from('192.0.2.1')).statusCode, (await from('192.0.2.1')).statusCode, (await from('192.0.2.1')).statusCode], [200, 200, 429]);
    assert.equal((await from('192.0.2.2')).statusCode, 200, 'another address has its own bucket');
    assert.equal((await from('10.0.0.1', '198.51.100.7')).statusCode, 200);
    assert.equal((await from('10.0.0.1', '198.51.100.7')).statusCode, 200);
    assert.equal((await from('10.0.0.1', '198.51.100.8')).statusCode, 200, 'the proxy forwards many clients');
    assert.equal((await from('10.0.0.1', '198.51.100.7')).statusCode, 429);
    assert.equal((await from('192.0.2.2', '198.51.100.9')).statusCode, 200);
    assert.equal((await from('192.0.2.2', '198.51.100.10')).statusCode, 429, 'an untrusted peer cannot pick its address');
  });

  test('each principal has its own bucket wherever it connects from, and failed logins count against the address', async (t) => {
    const { entries, keys } = await makeKeys([{ name: 'a', scopes: ['read:*'] }, { name: 'b', scopes: ['read:*'] }]);
    const { app } = await buildTestApp(t, { config: { models: DEFAULT_MODELS, ...LIMITS, auth: true, apiKeys: JSON.stringify(entries) } });
    const as = (key: string, remoteAddress = '127.0.0.1') => app.inject({ url: '/v2/models/iris', headers: { 'x-api-key': key }, remoteAddress });
    assert.deepEqual([(await as(keys.a, '192.0.2.1')).statusCode, (await as(keys.a, '192.0.2.2')).statusCode, (await as(keys.a, '192.0.2.3')).statusCode], [200, 200, 429]);
    assert.equal((await as(keys.b, '192.0.2.1')).statusCode, 200, 'b is not slowed down by a');
    const guesses = [];
    for (let i = 0; i < 3; i++) guesses.push((await as(`osk_0123456789ab_${'x'.repeat(43)}`, '203.0.113.5')).statusCode);
    assert.deepEqual(guesses, [401, 401, 429], 'guessing keys is rate-limited');
  });
});
