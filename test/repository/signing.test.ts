// src/repository/signing.ts: Ed25519 signatures over the manifest, checked against trusted public keys only.
import assert from 'node:assert/strict';
import { generateKeyPairSync } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, test } from 'node:test';
import { ArtifactError } from '../../src/repository/artifact-error.js';
import { generateSigningKeyPair, keyId, loadTrustedKeys, signManifest, verifyManifestSignature } from '../../src/repository/signing.js';

const scratch = mkdtempSync(join(tmpdir(), 'onnx-serve-signing-'));
after(() => rmSync(scratch, { recursive: true, force: true }));

const manifest = Buffer.from('{"format":"onnx-serve-manifest/1","files":{}}\n');

function trusting(...publicPems: string[]) {
  const dir = mkdtempSync(join(scratch, 'keys-'));
  publicPems.forEach((pem, i) => writeFileSync(join(dir, `k${i}.pub`), pem));
  return loadTrustedKeys(dir);
}

const signatureRefusal = (fn: () => unknown): string => {
  let message = '';
  assert.throws(fn, (err: unknown) => {
    assert.ok(err instanceof ArtifactError && err.kind === 'signature', String(err));
    message = err.message;
    return true;
  });
  return message;
};

describe('manifest signatures', () => {
  const signer = generateSigningKeyPair();
  const other = generateSigningKeyPair();

  test('a signature by a trusted key verifies and names that key', () => {
    const sig = Buffer.from(signManifest(manifest, signer.privatePem));
    assert.equal(verifyManifestSignature(manifest, sig, trusting(other.publicPem, signer.publicPem)), signer.keyId);
  });

  test('a signature by a key that is not trusted is refused', () => {
    const sig = Buffer.from(signManifest(manifest, other.privatePem));
    assert.match(signatureRefusal(() => verifyManifestSignature(manifest, sig, trusting(signer.publicPem))), new RegExp(`key ${other.keyId}, which is not trusted`));
  });

  test('a manifest changed after signing is refused', () => {
    const sig = Buffer.from(signManifest(manifest, signer.privatePem));
    const altered = Buffer.from(manifest.toString().replace('{}', '{"x":{}}'));
    assert.match(signatureRefusal(() => verifyManifestSignature(altered, sig, trusting(signer.publicPem))), /does not verify/);
  });

  test('a signature claiming a trusted key id but made by another key is refused', () => {
    const forged = JSON.parse(signManifest(manifest, other.privatePem)) as { keyId: string };
    forged.keyId = signer.keyId;
    assert.match(signatureRefusal(() => verifyManifestSignature(manifest, Buffer.from(JSON.stringify(forged)), trusting(signer.publicPem))), /does not verify/);
  });

  test('garbage in manifest.sig is refused', () => {
    assert.match(signatureRefusal(() => verifyManifestSignature(manifest, Buffer.from('not a signature'), trusting(signer.publicPem))), /not a signature/);
  });
});

describe('loadTrustedKeys', () => {
  test('reads one file or every .pub/.pem file of a directory, keyed by key id', () => {
    const pair = generateSigningKeyPair();
    const file = join(scratch, 'one.pub');
    writeFileSync(file, pair.publicPem);
    assert.deepEqual([...loadTrustedKeys(file).keys()], [pair.keyId]);
    const dir = mkdtempSync(join(scratch, 'dir-'));
    writeFileSync(join(dir, 'a.pub'), pair.publicPem);
    writeFileSync(join(dir, 'README.txt'), 'not a key');
    assert.equal(keyId(loadTrustedKeys(dir).get(pair.keyId)!), pair.keyId);
  });

  test('refuses a private key, a key of another type, and an empty directory', () => {
    const priv = join(scratch, 'private.pem');
    writeFileSync(priv, generateSigningKeyPair().privatePem);
    assert.throws(() => loadTrustedKeys(priv), /holds a private key/);
    const rsa = join(scratch, 'rsa.pub');
    writeFileSync(rsa, generateKeyPairSync('rsa', { modulusLength: 1024 }).publicKey.export({ type: 'spki', format: 'pem' }));
    assert.throws(() => loadTrustedKeys(rsa), /rsa key; manifests are signed with Ed25519/);
    assert.throws(() => loadTrustedKeys(mkdtempSync(join(scratch, 'empty-'))), /no public keys/);
  });
});
