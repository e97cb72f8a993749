// src/security/jwt.ts and token-verifier.ts: signatures, algorithm confusion, claims with clock skew, scopes. Table tests on the pure core.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { checkClaims, decodeJwt, JwtError, scopesFromClaim, subjectOf, type JwtFailure } from '../../src/security/jwt.js';
import { parseJwks, selectKey, type KeySource } from '../../src/security/jwks.js';
import { createTokenVerifier } from '../../src/security/token-verifier.js';
import { claims, ecKey, jwks, rsaKey, signJwt, type SigningKey } from '../helpers/credentials.js';

const NOW = 1_800_000_000;
const rules = { issuer: 'https://issuer.test', audience: 'onnx-serve', clockSkewSeconds: 30, now: NOW };

const failure = (fn: () => unknown): JwtFailure | 'none' => {
  try {
    fn();
    return 'none';
  } catch (err) {
    assert.ok(err instanceof JwtError, String(err));
    return err.reason;
  }
};

describe('checkClaims', () => {
  const cases: [string, Record<string, unknown>, JwtFailure | 'none'][] = [
    ['valid', { iss: rules.issuer, aud: 'onnx-serve', exp: NOW + 60 }, 'none'],
    ['audience in an array', { iss: rules.issuer, aud: ['x', 'onnx-serve'], exp: NOW + 60 }, 'none'],
    ['expired beyond the skew', { iss: rules.issuer, aud: 'onnx-serve', exp: NOW - 31 }, 'expired'],
    ['expired within the skew', { iss: rules.issuer, aud: 'onnx-serve', exp: NOW - 29 }, 'none'],
    ['expiring exactly at the skew edge', { iss: rules.issuer, aud: 'onnx-serve', exp: NOW - 30 }, 'expired'],
    ['no exp', { iss: rules.issuer, aud: 'onnx-serve' }, 'no-expiry'],
    ['exp not a number', { iss: rules.issuer, aud: 'onnx-serve', exp: '2099-01-01' }, 'malformed'],
    ['nbf in the future beyond the skew', { iss: rules.issuer, aud: 'onnx-serve', exp: NOW + 600, nbf: NOW + 31 }, 'not-yet-valid'],
    ['nbf in the future within the skew', { iss: rules.issuer, aud: 'onnx-serve', exp: NOW + 600, nbf: NOW + 30 }, 'none'],
    ['nbf not a number', { iss: rules.issuer, aud: 'onnx-serve', exp: NOW + 600, nbf: 'soon' }, 'malformed'],
    ['wrong issuer', { iss: 'https://evil.test', aud: 'onnx-serve', exp: NOW + 60 }, 'wrong-issuer'],
    ['no issuer', { aud: 'onnx-serve', exp: NOW + 60 }, 'wrong-issuer'],
    ['wrong audience', { iss: rules.issuer, aud: 'other', exp: NOW + 60 }, 'wrong-audience'],
    ['no audience', { iss: rules.issuer, exp: NOW + 60 }, 'wrong-audience'],
  ];
  for (const [name, payload, expected] of cases) {
    test(`${name} → ${expected}`, () => assert.equal(failure(() => checkClaims(payload, rules)), expected));
  }

  test('without a configured issuer any iss is accepted, the audience still checked', () => {
    assert.equal(failure(() => checkClaims({ iss: 'anyone', aud: 'onnx-serve', exp: NOW + 60 }, { ...rules, issuer: undefined })), 'none');
    assert.equal(failure(() => checkClaims({ aud: 'x', exp: NOW + 60 }, { ...rules, issuer: undefined })), 'wrong-audience');
  });
});

describe('decodeJwt', () => {
  const part = (v: unknown) => Buffer.from(JSON.stringify(v)).toString('base64url');
  const cases: [string, string][] = [
    ['two segments', `${part({ alg: 'HS256' })}.${part({})}`],
    ['four segments', `${part({ alg: 'HS256' })}.${part({})}.a.b`],
    ['non-base64url characters', `${part({ alg: 'HS256' })}.${part({})}.ab+/=`],
    ['a header that is not JSON', `bm90IGpzb24.${part({})}.sig`],
    ['a payload that is an array', `${part({ alg: 'HS256' })}.${part([1])}.sig`],
    ['a header without alg', `${part({ typ: 'JWT' })}.${part({})}.sig`],
    ['a numeric kid', `${part({ alg: 'HS256', kid: 7 })}.${part({})}.sig`],
    ['an empty string', ''],
  ];
  for (const [name, token] of cases) test(`refuses ${name} as malformed`, () => assert.equal(failure(() => decodeJwt(token)), 'malformed'));

  test('refuses a token with critical extensions it does not understand', () => {
    assert.equal(failure(() => decodeJwt(`${part({ alg: 'HS256', crit: ['b64'], b64: false })}.${part({})}.sig`)), 'unsupported-algorithm');
  });
});

describe('scopes and subject', () => {
  test('a space-separated scope string and a scope array give the same scopes', () => {
    assert.deepEqual(scopesFromClaim('infer:iris  read:*'), ['infer:iris', 'read:*']);
    assert.deepEqual(scopesFromClaim(['infer:iris', 'read:*', 7, '']), ['infer:iris', 'read:*']);
    assert.deepEqual(scopesFromClaim(undefined), []);
    assert.deepEqual(scopesFromClaim({ admin: true }), []);
  });
  test('the subject is sub, else client_id, else azp', () => {
    assert.equal(subjectOf({ sub: 'alice', client_id: 'c' }), 'alice');
    assert.equal(subjectOf({ client_id: 'svc-1' }), 'svc-1');
    assert.equal(subjectOf({ azp: 'svc-2' }), 'svc-2');
    assert.equal(subjectOf({}), '(no subject)');
  });
});

describe('createTokenVerifier', () => {
  const rsa = rsaKey('r1');
  const ec = ecKey('e1');
  const hs: SigningKey = { alg: 'HS256', secret: 'verifier-secret-0123456789abcdef012345' };
  const published = parseJwks(jwks(rsa, ec), () => undefined);
  const source: KeySource = { find: async (alg, kid) => selectKey(published, alg, kid) };
  const options = { audience: 'onnx-serve', issuer: 'https://issuer.test', clockSkewSeconds: 30, scopeClaim: 'scope' };
  const both = createTokenVerifier({ ...options, keys: source, secret: hs.alg === 'HS256' ? hs.secret : '' });
  const jwksOnly = createTokenVerifier({ ...options, keys: source });
  const reason = async (verifier: typeof both, token: string) => {
    try {
      await verifier.verify(token);
      return 'none';
    } catch (err) {
      assert.ok(err instanceof JwtError, String(err));
      return err.reason;
    }
  };

  test('accepts HS256, RS256 and ES256 tokens and returns their subject and scopes', async () => {
    for (const key of [hs, rsa, ec]) {
      assert.deepEqual(await both.verify(signJwt(key, claims({ scope: 'infer:iris read:*' }))), { subject: 'alice', scopes: ['infer:iris', 'read:*'] });
    }
  });

  test('refuses alg none, unknown algorithms, and HS256 when no secret is configured', async () => {
    const unsigned = `${Buffer.from(JSON.stringify({ alg: 'none' })).toString('base64url')}.${Buffer.from(JSON.stringify(claims())).toString('base64url')}.`;
    assert.equal(await reason(both, `${unsigned}AA`), 'unsupported-algorithm');
    assert.equal(await reason(both, signJwt(rsa, claims(), { alg: 'PS256' })), 'unsupported-algorithm');
    assert.equal(await reason(jwksOnly, signJwt(hs, claims())), 'unsupported-algorithm');
  });

  test('refuses an HS256 token whose secret is the public key (algorithm confusion)', async () => {
    const pem = published[0].key.export({ type: 'spki', format: 'pem' }).toString();
    assert.equal(await reason(jwksOnly, signJwt({ alg: 'HS256', secret: pem, kid: 'r1' }, claims())), 'unsupported-algorithm');
  });

  test('refuses a forged signature, an unknown kid, and a key of the wrong kind for the alg', async () => {
    assert.equal(await reason(both, signJwt(rsaKey('r1'), claims())), 'bad-signature');
    assert.equal(await reason(both, signJwt(rsaKey('r9'), claims())), 'unknown-key');
    assert.equal(await reason(both, signJwt({ ...hs, secret: 'another-secret-0123456789abcdef0123456' }, claims())), 'bad-signature');
    assert.equal(await reason(both, signJwt(ec, claims(), { alg: 'RS256' })), 'unknown-key');
  });

  test('checks claims only after the signature', async () => {
    assert.equal(await reason(both, signJwt(rsaKey('r1'), claims({ exp: 1 }))), 'bad-signature');
    assert.equal(await reason(both, signJwt(rsa, claims({ exp: 1 }))), 'expired');
  });

  test('a token verified once is answered from the cache, yet still expires on time', async () => {
    let now = Date.now();
    const verifier = createTokenVerifier({ ...options, secret: hs.alg === 'HS256' ? hs.secret : '', now: () => now });
    const token = signJwt(hs, claims({ exp: Math.floor(now / 1000) + 10 }));
    assert.equal((await verifier.verify(token)).subject, 'alice');
    assert.equal((await verifier.verify(token)).subject, 'alice');
    now += 41_000;
    assert.equal(await reason(verifier, token), 'expired', 'exp + skew has passed: refused although cached');
  });

  test('needs a key source or a secret, and an audience, at construction', () => {
    assert.throws(() => createTokenVerifier(options), /needs an HS256 secret or a JWKS/);
    assert.throws(() => createTokenVerifier({ ...options, audience: '', keys: source }), /audience/);
  });
});
