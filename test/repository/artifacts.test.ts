// src/repository/artifacts.ts + pack.ts: a version reaches onnxruntime only through the checks the policy asks for.
import assert from 'node:assert/strict';
import { appendFileSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, test } from 'node:test';
import { ArtifactError, type LoadFailureKind } from '../../src/repository/artifact-error.js';
import { createArtifactPolicy, openVersion, OPEN_POLICY, type ArtifactPolicy } from '../../src/repository/artifacts.js';
import { generateModelKey } from '../../src/repository/encryption.js';
import { packVersion } from '../../src/repository/pack.js';
import { generateSigningKeyPair, loadTrustedKeys } from '../../src/repository/signing.js';
import { addConstantModel } from '../helpers/fixture-models.js';

const scratch = mkdtempSync(join(tmpdir(), 'onnx-serve-artifacts-'));
after(() => rmSync(scratch, { recursive: true, force: true }));

const MODEL = Buffer.from(addConstantModel('m', 3));
const signer = generateSigningKeyPair();
const stranger = generateSigningKeyPair();
const keyFile = join(scratch, 'trusted.pub');
writeFileSync(keyFile, signer.publicPem);
const trustedKeys = loadTrustedKeys(keyFile);
const modelKey = generateModelKey();

let dirs = 0;
/** A fresh version directory holding model.onnx and a training.json. */
function versionDir(): string {
  const dir = join(scratch, `v${++dirs}`);
  mkdirSync(dir);
  writeFileSync(join(dir, 'model.onnx'), MODEL);
  writeFileSync(join(dir, 'training.json'), '{"accuracy": 0.9}\n');
  return dir;
}

const place = { model: 'm', version: 1 };
const policy = (p: Partial<ArtifactPolicy>): ArtifactPolicy => ({ ...OPEN_POLICY, ...p });

async function refusal(dir: string, p: ArtifactPolicy, kind: LoadFailureKind): Promise<string> {
  const err = await openVersion(dir, p, place).then(() => null, (e: unknown) => e);
  assert.ok(err instanceof ArtifactError, `expected a refusal, got ${String(err)}`);
  assert.equal(err.kind, kind, err.message);
  return err.message;
}

describe('openVersion', () => {
  test('a plain version without a manifest opens when nothing is required', async () => {
    const opened = await openVersion(versionDir(), OPEN_POLICY, place);
    assert.deepEqual(Buffer.from(opened.bytes), MODEL);
    assert.deepEqual(opened.checks, { manifest: false, encrypted: false });
  });

  test('without a manifest: refused when manifests or signatures are required', async () => {
    assert.match(await refusal(versionDir(), policy({ requireManifest: true }), 'integrity'), /no manifest\.json/);
    assert.match(await refusal(versionDir(), policy({ requireManifest: true, requireSignatures: true, trustedKeys }), 'signature'), /unsigned/);
  });

  test('a packed version opens and reports its manifest', async () => {
    const dir = versionDir();
    await packVersion(dir);
    const opened = await openVersion(dir, policy({ requireManifest: true }), place);
    assert.deepEqual(Buffer.from(opened.bytes), MODEL);
    assert.equal(opened.checks.manifest, true);
  });

  const tampering: [string, (dir: string) => void, RegExp][] = [
    ['a corrupted model file (same size)', (d) => { const b = readFileSync(join(d, 'model.onnx')); b[b.length - 5] ^= 0xff; writeFileSync(join(d, 'model.onnx'), b); }, /model\.onnx does not match its SHA-256/],
    ['a truncated model file', (d) => writeFileSync(join(d, 'model.onnx'), MODEL.subarray(0, 40)), /model\.onnx has 40 bytes, manifest\.json says/],
    ['an edited side file', (d) => appendFileSync(join(d, 'training.json'), ' '), /training\.json has/],
    ['an extra file', (d) => writeFileSync(join(d, 'extra.bin'), 'x'), /not in manifest\.json: extra\.bin/],
    ['a missing file', (d) => rmSync(join(d, 'training.json')), /missing: training\.json/],
    ['an unparsable manifest', (d) => writeFileSync(join(d, 'manifest.json'), '{"files":'), /manifest\.json is not valid JSON/],
  ];
  for (const [what, tamper, reason] of tampering) {
    test(`${what} is refused against the manifest`, async () => {
      const dir = versionDir();
      await packVersion(dir);
      tamper(dir);
      assert.match(await refusal(dir, OPEN_POLICY, 'integrity'), reason);
    });
  }

  test('a manifest pinned to another model or version is refused', async () => {
    const dir = versionDir();
    await packVersion(dir, { model: 'm', version: 2 });
    assert.match(await refusal(dir, OPEN_POLICY, 'integrity'), /pins version 2, but the directory is version 1/);
    const other = versionDir();
    await packVersion(other, { model: 'other' });
    assert.match(await refusal(other, OPEN_POLICY, 'integrity'), /pins model 'other'/);
  });

  test('signed by a trusted key: opens and names the key; required signatures are then satisfied', async () => {
    const dir = versionDir();
    await packVersion(dir, { signingKeyPem: signer.privatePem });
    const opened = await openVersion(dir, policy({ requireManifest: true, requireSignatures: true, trustedKeys }), place);
    assert.equal(opened.checks.signedBy, signer.keyId);
  });

  test('signed by an untrusted key, or with a manifest edited after signing: refused', async () => {
    const dir = versionDir();
    await packVersion(dir, { signingKeyPem: stranger.privatePem });
    assert.match(await refusal(dir, policy({ trustedKeys }), 'signature'), /not trusted/);
    const edited = versionDir();
    await packVersion(edited, { signingKeyPem: signer.privatePem });
    const manifest = JSON.parse(readFileSync(join(edited, 'manifest.json'), 'utf8')) as { createdAt: string };
    manifest.createdAt = 'yesterday';
    writeFileSync(join(edited, 'manifest.json'), JSON.stringify(manifest));
    assert.match(await refusal(edited, policy({ trustedKeys }), 'signature'), /does not verify/);
  });

  test('a manifest without its signature is refused when signatures are required', async () => {
    const dir = versionDir();
    await packVersion(dir);
    assert.match(await refusal(dir, policy({ requireManifest: true, requireSignatures: true, trustedKeys }), 'signature'), /no manifest\.sig/);
  });

  test('encrypted: the right key gives the model; a wrong or missing key is refused', async () => {
    const dir = versionDir();
    await packVersion(dir, { encryptionKey: modelKey, signingKeyPem: signer.privatePem });
    assert.ok(!existsSync(join(dir, 'model.onnx')), 'packing in place removes the plaintext');
    const opened = await openVersion(dir, policy({ trustedKeys, modelKey }), place);
    assert.deepEqual(Buffer.from(opened.bytes), MODEL);
    assert.deepEqual(opened.checks, { manifest: true, encrypted: true, signedBy: signer.keyId });
    assert.match(await refusal(dir, policy({ modelKey: generateModelKey() }), 'decryption'), /encrypted with key/);
    assert.match(await refusal(dir, OPEN_POLICY, 'decryption'), /no key is configured/);
  });

  test('a missing model file is unreadable; model.onnx next to model.onnx.enc is refused', async () => {
    const dir = versionDir();
    rmSync(join(dir, 'model.onnx'));
    assert.match(await refusal(dir, OPEN_POLICY, 'unreadable'), /model\.onnx not found/);
    const both = versionDir();
    writeFileSync(join(both, 'model.onnx.enc'), 'x');
    assert.match(await refusal(both, OPEN_POLICY, 'integrity'), /both model\.onnx and model\.onnx\.enc/);
  });
});

describe('packVersion', () => {
  test('--out writes a packed copy and leaves the source as it was', async () => {
    const dir = versionDir();
    const out = join(scratch, 'packed-out');
    const result = await packVersion(dir, { out, encryptionKey: modelKey });
    assert.deepEqual(Object.keys(result.manifest.files).sort(), ['model.onnx.enc', 'training.json']);
    assert.deepEqual(readFileSync(join(dir, 'model.onnx')), MODEL);
    assert.ok(!existsSync(join(dir, 'manifest.json')));
    await assert.rejects(packVersion(dir, { out }), /not empty/);
  });

  test('a bad signing key fails before anything is written', async () => {
    const dir = versionDir();
    await assert.rejects(packVersion(dir, { signingKeyPem: 'not a key' }));
    assert.ok(!existsSync(join(dir, 'manifest.json')));
  });
});

describe('createArtifactPolicy', () => {
  test('reads keys at startup and lists every unusable one at once, without key material', () => {
    const keyPath = join(scratch, 'model.key');
    writeFileSync(keyPath, `${modelKey.toString('hex')}\n`);
    const p = createArtifactPolicy({ requireManifest: false, requireSignatures: true, trustedKeys: keyFile, modelKeyFile: keyPath });
    assert.deepEqual(p.modelKey, modelKey);
    assert.equal(p.requireManifest, true, 'signatures imply manifests');
    const bad = join(scratch, 'bad.key');
    writeFileSync(bad, 'secret-but-wrong-length');
    assert.throws(
      () => createArtifactPolicy({ requireManifest: false, requireSignatures: false, trustedKeys: join(scratch, 'nope'), modelKeyFile: bad }),
      (err: Error) => /--trusted-keys/.test(err.message) && /--model-key-file: the model key must be 32 bytes/.test(err.message) && !err.message.includes('secret-but'),
    );
  });
});
