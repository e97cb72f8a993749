// Protected artifacts in the running app: signed and encrypted versions serve; tampered, unsigned or undecryptable ones never do.
import assert from 'node:assert/strict';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, test, type TestContext } from 'node:test';
import { generateModelKey } from '../../src/repository/encryption.js';
import { packVersion } from '../../src/repository/pack.js';
import { generateSigningKeyPair } from '../../src/repository/signing.js';
import { buildTestApp, call } from '../helper.js';
import { minted } from '../helpers/credentials.js';
import { addBody, ScratchRepository } from '../helpers/scratch-repository.js';

const signer = generateSigningKeyPair();
const stranger = generateSigningKeyPair();
const key = generateModelKey();
// NOTE: test/helper.ts then checks that no app's logs contain the model key or a private signing key.
for (const secret of [key.toString('hex'), key.toString('base64'), signer.privatePem.split('\n')[1], stranger.privatePem.split('\n')[1]]) minted.add(secret);

/** A repository of protected versions of `m` (y = x + v), and the key files the server is given. */
async function protectedRepository(t: TestContext) {
  const repo = new ScratchRepository(t);
  const secrets = new ScratchRepository(t);
  const trustedKeys = secrets.write('trusted/signer.pub', signer.publicPem);
  const modelKeyFile = secrets.write('model.key', `${key.toString('hex')}\n`);
  repo.yaml('m', 'versionPolicy: all\n');
  await packVersion(repo.addVersion('m', 1), { signingKeyPem: signer.privatePem, encryptionKey: key, model: 'm', version: 1 });
  await packVersion(repo.addVersion('m', 2), { signingKeyPem: stranger.privatePem });
  await packVersion(repo.addVersion('m', 3));
  await packVersion(repo.addVersion('m', 4), { signingKeyPem: signer.privatePem, encryptionKey: generateModelKey() });
  await packVersion(repo.addVersion('m', 5), { signingKeyPem: signer.privatePem });
  // NOTE: version 5's manifest is edited after signing (its files still match it): only the signature tells.
  const manifest = join(repo.path('m', 5), 'manifest.json');
  writeFileSync(manifest, JSON.stringify({ ...JSON.parse(readFileSync(manifest, 'utf8')), createdAt: 'tampered' }));
  return { repo, trustedKeys, modelKeyFile };
}

async function states(app: Parameters<typeof call>[0]): Promise<Record<string, string>> {
  const { body } = await call(app, { method: 'POST', url: '/v2/repository/index' });
  return Object.fromEntries((body as { version: string; state: string; reason: string }[]).map((e) => [e.version, e.state === 'READY' ? 'READY' : e.reason]));
}

describe('protected artifacts', () => {
  test('with signatures required: only the version signed by a trusted key, and decryptable, serves', async (t) => {
    const { repo, trustedKeys, modelKeyFile } = await protectedRepository(t);
    const { app, logs } = await buildTestApp(t, { config: { models: repo.root, requireSignatures: true, trustedKeys, modelKeyFile } });
    const s = await states(app);
    assert.equal(s['1'], 'READY');
    assert.match(s['2'], /signed by key [0-9a-f]{16}, which is not trusted/);
    assert.match(s['3'], /unsigned: no manifest\.sig/);
    assert.match(s['4'], /encrypted with key [0-9a-f]{16}; the configured key is [0-9a-f]{16}/);
    assert.match(s['5'], /signature .* does not verify/);
    const { res, body } = await call(app, { method: 'POST', url: '/v2/models/m/infer', payload: addBody(2) });
    assert.deepEqual([res.statusCode, body.model_version, body.outputs[0].data], [200, '1', [3]]);
    const ready = logs.lines.find((l) => l.msg === 'model version ready' && l.version === 1)!;
    assert.deepEqual([ready.manifest, ready.encrypted, ready.signedBy], [true, true, signer.keyId]);
    assert.ok(!logs.text.includes(key.toString('hex')) && !logs.text.includes(key.toString('base64')), 'the key never reaches the logs');
  });

  test('without the key, the encrypted version is refused; with a wrong key, too', async (t) => {
    const { repo, trustedKeys } = await protectedRepository(t);
    const none = await buildTestApp(t, { config: { models: repo.root, trustedKeys } });
    assert.match((await states(none.app))['1'], /no key is configured/);
    const wrong = await buildTestApp(t, { config: { models: repo.root, trustedKeys, modelKey: generateModelKey().toString('base64') } });
    assert.match((await states(wrong.app))['1'], /encrypted with key/);
    assert.equal((await wrong.app.inject({ method: 'POST', url: '/v2/models/m/versions/1/infer', payload: addBody(1) })).statusCode, 400);
  });

  test('signatures not required: unsigned versions serve, but a present bad signature is still refused', async (t) => {
    const { repo, trustedKeys, modelKeyFile } = await protectedRepository(t);
    const { app } = await buildTestApp(t, { config: { models: repo.root, trustedKeys, modelKeyFile } });
    const s = await states(app);
    assert.deepEqual([s['1'], s['3']], ['READY', 'READY']);
    assert.match(s['2'], /not trusted/);
  });
});
