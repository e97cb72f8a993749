// src/security/api-keys.ts and key-store.ts: keys stored only as salted hashes, checked against one hash at most, expiry, and revocation by editing the file.
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import pino from 'pino';
import { generateKey, hashKey, keyId, parseKeys, verifyKey } from '../../src/security/api-keys.js';
import { KeyStore } from '../../src/security/key-store.js';
import { makeKeys, oneCharacterOff, scratchDir, writeKeysFile } from '../helpers/credentials.js';

const silent = pino({ level: 'silent' });

describe('API keys', () => {
  test('a generated key is random, carries its id, and its hash is salted', async () => {
    const a = generateKey();
    const b = generateKey();
    assert.notEqual(a.key, b.key);
    assert.match(a.key, /^osk_[0-9a-f]{12}_[A-Za-z0-9_-]{43}$/);
    assert.equal(keyId(a.key), a.id);
    const h1 = await hashKey(a.key);
    const h2 = await hashKey(a.key);
    assert.notEqual(h1, h2, 'two hashes of one key differ (salt)');
    assert.ok(!h1.includes(a.key.slice(17)), 'the hash does not contain the secret');
    assert.equal(await verifyKey(a.key, h1), true);
    assert.equal(await verifyKey(a.key, h2), true);
    assert.equal(await verifyKey(b.key, h1), false);
    assert.equal(await verifyKey(oneCharacterOff(a.key), h1), false, 'one character off');
  });

  test('keyId recognises only well-formed keys', () => {
    for (const s of ['', 'osk_', 'osk_0123456789ab', 'osk_0123456789AB_' + 'a'.repeat(43), 'xsk_0123456789ab_' + 'a'.repeat(43), 'osk_0123456789ab_' + 'a'.repeat(44)]) {
      assert.equal(keyId(s), null, s);
    }
  });

  test('parseKeys lists every problem and never quotes a hash', () => {
    const good = { id: '0123456789ab', name: 'a', scopes: ['admin'], hash: 'scrypt$16384$8$1$c2FsdHNhbHRzYWx0c2FsdA$aGFzaGhhc2hoYXNoaGFzaGhhc2hoYXNo' };
    assert.equal(parseKeys(JSON.stringify({ keys: [good] }), 'f').length, 1);
    assert.equal(parseKeys(JSON.stringify([good]), 'f').length, 1, 'a bare array');
    const cases: [unknown, RegExp][] = [
      [{ keys: [good, good] }, /two keys have the id '0123456789ab'.*two keys have the name 'a'/],
      [{ keys: [{ ...good, scopes: [] }] }, /scopes/],
      [{ keys: [{ ...good, scopes: ['infer:bad name'] }] }, /may only use/],
      [{ keys: [{ ...good, hash: 'plain-text-key' }] }, /hash is scrypt/],
      [{ keys: [{ ...good, hash: 'scrypt$0$8$1$c2FsdHNhbHRzYWx0c2FsdA$aGFzaGhhc2hoYXNoaGFzaGhhc2hoYXNo' }] }, /scrypt parameters/],
      [{ keys: [{ ...good, hash: 'scrypt$1000$8$1$c2FsdHNhbHRzYWx0c2FsdA$aGFzaGhhc2hoYXNoaGFzaGhhc2hoYXNo' }] }, /scrypt parameters/],
      [{ keys: [{ ...good, key: 'osk_…' }] }, /Unrecognized key/],
      [{ keys: [{ ...good, expires: 'tomorrow' }] }, /expires/],
    ];
    for (const [raw, message] of cases) {
      assert.throws(() => parseKeys(JSON.stringify(raw), 'the file'), (err: Error) => message.test(err.message) && !err.message.includes('plain-text-key'), JSON.stringify(raw));
    }
    assert.throws(() => parseKeys('{', 'the file'), /the file is not valid JSON/);
  });
});

describe('KeyStore', () => {
  test('accepts its keys, refuses unknown ids without hashing, wrong secrets and expired keys', async () => {
    const { entries, keys } = await makeKeys([
      { name: 'live', scopes: ['infer:*'] },
      { name: 'old', scopes: ['infer:*'], expires: new Date(Date.now() - 1000).toISOString() },
    ]);
    const store = new KeyStore({ inline: JSON.stringify({ keys: entries }), logger: silent });
    assert.equal(store.size, 2);
    const ok = await store.check(keys.live);
    assert.ok(ok.ok && ok.key.name === 'live');
    assert.ok((await store.check(keys.live)).ok, 'again, from the cache');
    assert.deepEqual(await store.check(generateKey().key), { ok: false, reason: 'unknown' });
    assert.deepEqual(await store.check('not a key'), { ok: false, reason: 'unknown' });
    const forged = `osk_${keyId(keys.live)}_${'A'.repeat(43)}`;
    assert.deepEqual(await store.check(forged), { ok: false, reason: 'mismatch', name: 'live' });
    assert.deepEqual(await store.check(keys.old), { ok: false, reason: 'expired', name: 'old' });
  });

  test('re-reads its file: a removed key stops working, a broken file keeps the keys loaded before', async () => {
    const dir = scratchDir('key-store');
    const { entries, keys } = await makeKeys([{ name: 'a', scopes: ['admin'] }, { name: 'b', scopes: ['admin'] }]);
    const file = writeKeysFile(join(dir, 'keys.json'), entries);
    const logs: string[] = [];
    const logger = pino({ level: 'info' }, { write: (l: string) => logs.push(l) });
    const store = new KeyStore({ file, logger, pollIntervalMs: 50 });
    try {
      assert.ok((await store.check(keys.a)).ok);
      assert.ok((await store.check(keys.b)).ok);
      writeKeysFile(file, entries.filter((e) => e.name !== 'a'));
      for (let i = 0; i < 200 && (await store.check(keys.a)).ok; i++) await sleep(25);
      assert.deepEqual(await store.check(keys.a), { ok: false, reason: 'unknown' }, 'revoked by editing the file');
      assert.ok((await store.check(keys.b)).ok);
      writeFileSync(file, '{ broken');
      for (let i = 0; i < 200 && !logs.some((l) => l.includes('rejected')); i++) await sleep(25);
      assert.ok(logs.some((l) => l.includes('API keys file rejected')));
      assert.ok((await store.check(keys.b)).ok, 'still accepted after a bad edit');
      assert.ok(!logs.join('').includes(keys.b), 'no key in the logs');
    } finally {
      store.close();
    }
  });

  test('fails at construction without a source, on a missing file, and on an id in both file and setting', async () => {
    const dir = scratchDir('key-store-bad');
    assert.throws(() => new KeyStore({ logger: silent }), /needs a keys file or inline keys/);
    assert.throws(() => new KeyStore({ file: join(dir, 'missing.json'), logger: silent }), /cannot read the API keys file .*ENOENT/);
    const { entries } = await makeKeys([{ name: 'a', scopes: ['admin'] }]);
    const file = writeKeysFile(join(dir, 'keys.json'), entries);
    assert.throws(() => new KeyStore({ file, inline: JSON.stringify(entries), logger: silent }), /appears twice/);
  });
});
