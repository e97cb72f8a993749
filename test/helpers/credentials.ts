// Credentials minted by the tests themselves: API key files (real hashes), JWTs signed with node:crypto (HS256, RS256, ES256) and JWKS files.
import { createHmac, generateKeyPairSync, sign, type KeyObject } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { generateKey, hashKey, type StoredKey } from '../../src/security/api-keys.js';

/** Every key, token and secret the tests minted in this process; test/helper.ts checks no app's logs contain one. */
export const minted = new Set<string>();

/** `secret` with its last character changed to one it is not (a fixed replacement would match it now and then). */
export const oneCharacterOff = (secret: string): string => `${secret.slice(0, -1)}${secret.endsWith('A') ? 'B' : 'A'}`;

/** A scratch directory removed when the process exits. */
export function scratchDir(prefix: string): string {
  const dir = mkdtempSync(join(tmpdir(), `onnx-serve-${prefix}-`));
  process.once('exit', () => rmSync(dir, { recursive: true, force: true }));
  return dir;
}

export interface KeySpec {
  name: string;
  scopes: string[];
  expires?: string;
}

/** Keys as `onnx-serve keys create` stores them, and the plain keys by name (which only the test knows). */
export async function makeKeys(specs: KeySpec[]): Promise<{ entries: StoredKey[]; keys: Record<string, string> }> {
  const entries: StoredKey[] = [];
  const keys: Record<string, string> = {};
  for (const spec of specs) {
    const { id, key } = generateKey();
    entries.push({ id, name: spec.name, scopes: spec.scopes, hash: await hashKey(key), ...(spec.expires ? { expires: spec.expires } : {}) });
    keys[spec.name] = key;
    minted.add(key);
  }
  return { entries, keys };
}

export function writeKeysFile(path: string, entries: StoredKey[]): string {
  writeFileSync(path, JSON.stringify({ keys: entries }));
  return path;
}

export type SigningKey =
  | { alg: 'HS256'; secret: string; kid?: string }
  | { alg: 'RS256' | 'ES256'; privateKey: KeyObject; publicKey: KeyObject; kid?: string };

export function rsaKey(kid: string): SigningKey {
  const { privateKey, publicKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
  return { alg: 'RS256', privateKey, publicKey, kid };
}

export function ecKey(kid: string): SigningKey {
  const { privateKey, publicKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
  return { alg: 'ES256', privateKey, publicKey, kid };
}

/** The public JWKS of asymmetric keys, with kid and alg as identity providers publish them. */
export function jwks(...keys: SigningKey[]): { keys: Record<string, unknown>[] } {
  return {
    keys: keys.flatMap((k) => (k.alg === 'HS256' ? [] : [{ ...k.publicKey.export({ format: 'jwk' }), kid: k.kid, alg: k.alg, use: 'sig' }])),
  };
}

const b64 = (value: unknown): string => Buffer.from(JSON.stringify(value)).toString('base64url');

/** A signed compact JWT; `header` overrides (e.g. a forged alg or kid). */
export function signJwt(key: SigningKey, payload: Record<string, unknown>, header: Record<string, unknown> = {}): string {
  const input = `${b64({ alg: key.alg, typ: 'JWT', ...(key.kid ? { kid: key.kid } : {}), ...header })}.${b64(payload)}`;
  let signature: Buffer;
  if (key.alg === 'HS256') signature = createHmac('sha256', key.secret).update(input).digest();
  else if (key.alg === 'RS256') signature = sign('sha256', Buffer.from(input), key.privateKey);
  else signature = sign('sha256', Buffer.from(input), { key: key.privateKey, dsaEncoding: 'ieee-p1363' });
  const token = `${input}.${signature.toString('base64url')}`;
  minted.add(token);
  minted.add(signature.toString('base64url'));
  if (key.alg === 'HS256') minted.add(key.secret);
  return token;
}

export const nowSeconds = (): number => Math.floor(Date.now() / 1000);

/** Claims of a token valid for the next hour. */
export const claims = (extra: Record<string, unknown> = {}): Record<string, unknown> => ({
  iss: 'https://issuer.test',
  aud: 'onnx-serve',
  sub: 'alice',
  iat: nowSeconds(),
  exp: nowSeconds() + 3600,
  ...extra,
});
