// src/security/rate-limiter.ts: token buckets on a fake clock, the numbers behind the RateLimit headers, and bounded memory.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { clientKey, RateLimiter } from '../../src/security/rate-limiter.js';

const clock = () => {
  const c = { now: 0 };
  return { c, now: () => c.now };
};

describe('RateLimiter', () => {
  test('allows a burst, then one request per 1/rate seconds, with the numbers the headers need', () => {
    const { c, now } = clock();
    const limiter = new RateLimiter({ ratePerSecond: 2, burst: 3, now });
    const seen = [1, 2, 3, 4].map(() => limiter.take('k'));
    assert.deepEqual(seen.map((d) => d.allowed), [true, true, true, false]);
    assert.deepEqual(seen.map((d) => d.remaining), [2, 1, 0, 0]);
    assert.deepEqual(seen[3], { allowed: false, limit: 3, remaining: 0, resetSeconds: 2, retryAfterSeconds: 1 });
    c.now += 499;
    assert.equal(limiter.take('k').allowed, false, 'not yet half a second');
    c.now += 1;
    assert.equal(limiter.take('k').allowed, true, 'one token after 1/rate seconds');
    c.now += 60_000;
    assert.equal(limiter.take('k').remaining, 2, 'refills to the burst, never beyond');
  });

  test('keeps one bucket per key', () => {
    const { now } = clock();
    const limiter = new RateLimiter({ ratePerSecond: 1, burst: 1, now });
    assert.equal(limiter.take('a').allowed, true);
    assert.equal(limiter.take('a').allowed, false);
    assert.equal(limiter.take('b').allowed, true);
  });

  test('Retry-After rounds up to whole seconds for slow rates', () => {
    const { now } = clock();
    const limiter = new RateLimiter({ ratePerSecond: 0.1, burst: 1, now });
    limiter.take('k');
    const d = limiter.take('k');
    assert.equal(d.retryAfterSeconds, 10);
    assert.equal(d.resetSeconds, 10);
  });

  test('forgets idle buckets (they would be full anyway) and never tracks more than maxClients', () => {
    const { c, now } = clock();
    const limiter = new RateLimiter({ ratePerSecond: 10, burst: 10, maxClients: 100, now });
    for (let i = 0; i < 1000; i++) limiter.take(`ip:${i}`);
    assert.equal(limiter.size, 100, 'bounded');
    c.now += 2000;
    limiter.take('fresh');
    assert.equal(limiter.size, 1, 'idle buckets swept');
  });

  test('evicts the least recently seen client first', () => {
    const { now } = clock();
    const limiter = new RateLimiter({ ratePerSecond: 1, burst: 1, maxClients: 2, now });
    limiter.take('a');
    limiter.take('b');
    limiter.take('a');
    limiter.take('c');
    assert.equal(limiter.take('a').allowed, false, 'a was kept (recently seen) and is still empty');
  });

  test('refuses nonsense options at construction', () => {
    assert.throws(() => new RateLimiter({ ratePerSecond: 0, burst: 1 }), /ratePerSecond/);
    assert.throws(() => new RateLimiter({ ratePerSecond: Number.NaN, burst: 1 }), /ratePerSecond/);
    assert.throws(() => new RateLimiter({ ratePerSecond: 1, burst: 0 }), /burst/);
    assert.throws(() => new RateLimiter({ ratePerSecond: 1, burst: 1.5 }), /burst/);
    assert.throws(() => new RateLimiter({ ratePerSecond: 1, burst: 1, maxClients: 0 }), /maxClients/);
  });
});

describe('clientKey', () => {
  const cases: [string, string][] = [
    ['127.0.0.1', 'ip:127.0.0.1'],
    ['::ffff:10.1.2.3', 'ip:10.1.2.3'],
    ['2001:db8:1:2:3:4:5:6', 'ip:2001:db8:1:2::/64'],
    ['2001:db8:1:2:ffff::1', 'ip:2001:db8:1:2::/64'],
    ['2001:db8::1', 'ip:2001:db8:0:0::/64'],
    ['::1', 'ip:0:0:0:0::/64'],
    ['fe80::1%eth0', 'ip:fe80:0:0:0::/64'],
  ];
  for (const [ip, key] of cases) test(`${ip} → ${key}`, () => assert.equal(clientKey(ip), key));
});
