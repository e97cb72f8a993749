// src/repository/encryption.ts: AES-256-GCM at rest; wrong or missing keys and tampering are told apart and refused.
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { describe, test } from 'node:test';
import { ArtifactError } from '../../src/repository/artifact-error.js';
import { decryptModel, encryptModel, generateModelKey, modelKeyId, parseModelKey } from '../../src/repository/encryption.js';

const refusal = (fn: () => unknown): string => {
  let message = '';
  assert.throws(fn, (err: unknown) => {
    assert.ok(err instanceof ArtifactError && err.kind === 'decryption', String(err));
    message = err.message;
    return true;
  });
  return message;
};

describe('model encryption', () => {
  test('decrypting with the same key gives the plaintext back; the file does not contain it', () => {
    const key = generateModelKey();
    const plain = Buffer.from('an onnx model, or so we pretend '.repeat(50));
    const blob = encryptModel(plain, key);
    assert.ok(!blob.includes(plain.subarray(0, 32)), 'ciphertext carries no plaintext');
    assert.deepEqual(decryptModel(blob, key), plain);
  });

  test('two encryptions of the same model differ (fresh IV each time)', () => {
    const key = generateModelKey();
    assert.notDeepEqual(encryptModel(Buffer.from('x'), key), encryptModel(Buffer.from('x'), key));
  });

  test('a different key is refused naming both key ids, not reported as corruption', () => {
    const [a, b] = [generateModelKey(), generateModelKey()];
    const message = refusal(() => decryptModel(encryptModel(Buffer.from('model'), a), b));
    assert.match(message, new RegExp(`encrypted with key ${modelKeyId(a)}; the configured key is ${modelKeyId(b)}`));
  });

  test('no key configured is refused with what to configure', () => {
    assert.match(refusal(() => decryptModel(encryptModel(Buffer.from('m'), generateModelKey()), null)), /no key is configured.*--model-key-file/);
  });

  test('any flipped byte (header, body or tag) fails authentication', () => {
    const key = generateModelKey();
    const blob = encryptModel(randomBytes(256), key);
    for (const at of [20, 30, 100, blob.length - 1]) {
      const bad = Buffer.from(blob);
      bad[at] ^= 1;
      assert.match(refusal(() => decryptModel(bad, key)), /fails authentication|was encrypted with key/, `byte ${at}`);
    }
  });

  test('a file that is not an onnx-serve encrypted model is refused', () => {
    assert.match(refusal(() => decryptModel(Buffer.from('plain onnx bytes, not encrypted at all'), generateModelKey())), /not a file written by onnx-serve pack/);
  });
});

describe('parseModelKey', () => {
  const key = generateModelKey();
  const cases: [string, string | Uint8Array, Buffer | null][] = [
    ['64 hex characters', key.toString('hex'), key],
    ['hex with surrounding whitespace and newline', `  ${key.toString('hex')}\n`, key],
    ['base64', key.toString('base64'), key],
    ['the raw 32 bytes of a key file', key, key],
    ['hex of 31 bytes', key.subarray(1).toString('hex'), null],
    ['base64 of 16 bytes', key.subarray(16).toString('base64'), null],
    ['a passphrase', 'correct horse battery staple', null],
    ['empty', '', null],
  ];
  for (const [name, input, expected] of cases) {
    test(`${name}: ${expected === null ? 'refused' : 'accepted'}`, () => {
      if (expected === null) assert.throws(() => parseModelKey(input), /must be 32 bytes/);
      else assert.deepEqual(parseModelKey(input), expected);
    });
  }
});
