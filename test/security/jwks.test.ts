// src/security/jwks.ts: which JWKS keys are usable, kid selection, and a JWKS URL fetched with a timeout, cached and refetched for a new kid.
import assert from 'node:assert/strict';
import { generateKeyPairSync } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { writeFileSync } from 'node:fs';
import { describe, test, type TestContext } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import pino from 'pino';
import { createJwksFileSource, createJwksUrlSource, KeysUnavailableError, parseJwks, selectKey } from '../../src/security/jwks.js';
import { ecKey, jwks, rsaKey, scratchDir } from '../helpers/credentials.js';

const silent = pino({ level: 'silent' });

describe('parseJwks', () => {
  test('keeps RSA and P-256 signing keys and says why it skips the others', () => {
    const { publicKey: small } = generateKeyPairSync('rsa', { modulusLength: 1024 });
    const { publicKey: p384 } = generateKeyPairSync('ec', { namedCurve: 'P-384' });
    const { privateKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
    const set = jwks(rsaKey('r1'), ecKey('e1'));
    set.keys.push(
      { ...small.export({ format: 'jwk' }), kid: 'short' },
      { ...p384.export({ format: 'jwk' }), kid: 'p384' },
      { ...privateKey.export({ format: 'jwk' }), kid: 'leaked' },
      { kty: 'oct', k: 'c2VjcmV0', kid: 'sym' },
      { ...(set.keys[0] as object), kid: 'enc', use: 'enc' },
      { ...(set.keys[0] as object), kid: 'mislabelled', alg: 'ES256' },
      { kty: 'RSA', n: '!!', e: 'AQAB', kid: 'broken' },
    );
    const said: string[] = [];
    const keys = parseJwks(set, (m) => said.push(m));
    assert.deepEqual(keys.map((k) => `${k.kid}:${k.alg}`), ['r1:RS256', 'e1:ES256']);
    for (const kid of ['short', 'p384', 'leaked', 'sym', 'mislabelled', 'broken']) assert.ok(said.some((m) => m.includes(`'${kid}'`)), `${kid}: ${said.join(' | ')}`);
    assert.ok(said.some((m) => m.includes('private key')));
  });

  test('refuses something that is not a key set', () => {
    assert.throws(() => parseJwks({ kty: 'RSA' }, () => undefined), /"keys" array/);
    assert.throws(() => parseJwks(null, () => undefined), /"keys" array/);
  });

  test('selects by kid, or the only key of the algorithm when the token has no kid', () => {
    const keys = parseJwks(jwks(rsaKey('r1'), rsaKey('r2'), ecKey('e1')), () => undefined);
    assert.equal(selectKey(keys, 'RS256', 'r2')?.kid, 'r2');
    assert.equal(selectKey(keys, 'ES256', 'r2'), undefined, 'a kid of another algorithm');
    assert.equal(selectKey(keys, 'ES256', undefined)?.kid, 'e1');
    assert.equal(selectKey(keys, 'RS256', undefined), undefined, 'two RSA keys and no kid: ambiguous');
  });
});

describe('createJwksFileSource', () => {
  test('fails at startup on a missing file, invalid JSON or a set without usable keys', () => {
    const dir = scratchDir('jwks-file');
    assert.throws(() => createJwksFileSource(join(dir, 'nope.json'), silent), /cannot read the JWKS file .*ENOENT/);
    writeFileSync(join(dir, 'bad.json'), '{');
    assert.throws(() => createJwksFileSource(join(dir, 'bad.json'), silent), /cannot read the JWKS file/);
    writeFileSync(join(dir, 'empty.json'), '{"keys": []}');
    assert.throws(() => createJwksFileSource(join(dir, 'empty.json'), silent), /no usable RS256 or ES256 key/);
  });
});

/** A JWKS endpoint on 127.0.0.1 whose key set and behaviour the test changes; counts requests. */
async function jwksServer(t: TestContext) {
  const state = { body: JSON.stringify(jwks(rsaKey('r1'))), hang: false, status: 200, requests: 0 };
  const server: Server = createServer((req, res) => {
    state.requests++;
    if (state.hang) return; // NOTE: never answers; the client's timeout must end it
    res.writeHead(state.status, { 'content-type': 'application/json' }).end(state.body);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  t.after(() => {
    server.closeAllConnections();
    server.close();
  });
  return { state, url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/jwks.json` };
}

describe('createJwksUrlSource', () => {
  test('fetches once, serves from the cache, and refetches (rate-limited) for a kid it has not seen', async (t) => {
    const { state, url } = await jwksServer(t);
    let now = 0;
    const source = createJwksUrlSource({ url, timeoutMs: 2000, cacheSeconds: 600, logger: silent, minRefreshMs: 30_000, now: () => now });
    assert.equal((await source.find('RS256', 'r1'))?.kid, 'r1');
    assert.equal((await source.find('RS256', 'r1'))?.kid, 'r1');
    assert.equal(state.requests, 1, 'cached');
    state.body = JSON.stringify(jwks(rsaKey('r1'), rsaKey('r2')));
    assert.equal(await source.find('RS256', 'r2'), undefined, 'no refetch within the minimum interval');
    assert.equal(state.requests, 1);
    now += 30_000;
    assert.equal((await source.find('RS256', 'r2'))?.kid, 'r2', 'rotated key found after a refetch');
    assert.equal(state.requests, 2);
    assert.equal(await source.find('RS256', 'r3'), undefined);
    assert.equal(state.requests, 2, 'an unknown kid right after a fetch does not refetch');
  });

  test('keeps the cached keys when a refetch fails, and refreshes them in the background once expired', async (t) => {
    const { state, url } = await jwksServer(t);
    let now = 0;
    const source = createJwksUrlSource({ url, timeoutMs: 2000, cacheSeconds: 60, logger: silent, now: () => now });
    assert.ok(await source.find('RS256', 'r1'));
    state.status = 500;
    now += 61_000;
    assert.ok(await source.find('RS256', 'r1'), 'the expired keys answer at once while fresh ones are fetched');
    for (let i = 0; i < 200 && state.requests < 2; i++) await sleep(10);
    assert.equal(state.requests, 2, 'a refresh was attempted');
    await sleep(50);
    assert.ok(await source.find('RS256', 'r1'), 'stale keys still verify after the refresh failed');
  });

  test('gives up after its timeout and reports the keys as unavailable (503), not the token as invalid', async (t) => {
    const { state, url } = await jwksServer(t);
    state.hang = true;
    const source = createJwksUrlSource({ url, timeoutMs: 200, cacheSeconds: 60, logger: silent });
    await assert.rejects(source.find('RS256', 'r1'), KeysUnavailableError);
  });

  test('refuses plain http except on loopback', () => {
    assert.throws(() => createJwksUrlSource({ url: 'http://idp.example/jwks', timeoutMs: 1000, cacheSeconds: 60, logger: silent }), /must use https/);
    assert.doesNotThrow(() => createJwksUrlSource({ url: 'https://idp.example/jwks', timeoutMs: 1000, cacheSeconds: 60, logger: silent }));
  });
});
