// `onnx-serve keygen` and `onnx-serve pack` as a user runs them; the packed version then serves with the keys.
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { existsSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import { promisify } from 'node:util';
import { PACKAGE_ROOT } from '../../src/version.js';
import { buildTestApp, call } from '../helper.js';
import { minted } from '../helpers/credentials.js';
import { addBody, ScratchRepository } from '../helpers/scratch-repository.js';

const run = promisify(execFile);
const MAIN = join(PACKAGE_ROOT, 'src/main.ts');

async function cli(...args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  try {
    const { stdout, stderr } = await run(process.execPath, ['--import', 'tsx', MAIN, ...args], { cwd: PACKAGE_ROOT });
    return { code: 0, stdout, stderr };
  } catch (err) {
    const e = err as { code: number; stdout: string; stderr: string };
    return { code: e.code, stdout: e.stdout, stderr: e.stderr };
  }
}

describe('onnx-serve keygen and pack', () => {
  test('keys made by keygen pack a version that the server then serves with signatures required', async (t) => {
    const keys = new ScratchRepository(t);
    const repo = new ScratchRepository(t);
    const signing = await cli('keygen', '--signing', keys.path('release'));
    assert.equal(signing.code, 0, signing.stderr);
    assert.match(signing.stdout, /key id [0-9a-f]{16}/);
    assert.equal(statSync(keys.path('release.key')).mode & 0o777, 0o600, 'the private key is readable by its owner only');
    assert.equal((await cli('keygen', '--encryption', keys.path('model.key'))).code, 0);
    assert.equal(statSync(keys.path('model.key')).mode & 0o777, 0o600);
    const again = await cli('keygen', '--encryption', keys.path('model.key'));
    assert.equal(again.code, 1, 'an existing key is never overwritten');
    assert.match(again.stderr, /EEXIST/);

    minted.add(readFileSync(keys.path('model.key'), 'utf8').trim());
    minted.add(readFileSync(keys.path('release.key'), 'utf8').split('\n')[1]);
    const dir = repo.addVersion('m', 1);
    const packed = await cli('pack', dir, '--sign', keys.path('release.key'), '--encrypt-key-file', keys.path('model.key'), '--model', 'm', '--model-version', '1');
    assert.equal(packed.code, 0, packed.stderr);
    assert.match(packed.stdout, /model\.onnx\.enc.*; encrypted; signed/);
    assert.ok(!existsSync(join(dir, 'model.onnx')), 'no plaintext left behind');
    assert.ok(!readFileSync(join(dir, 'manifest.json'), 'utf8').includes(readFileSync(keys.path('model.key'), 'utf8').trim()));

    const { app } = await buildTestApp(t, {
      config: { models: repo.root, requireSignatures: true, trustedKeys: keys.path('release.pub'), modelKeyFile: keys.path('model.key') },
    });
    const { res, body } = await call(app, { method: 'POST', url: '/v2/models/m/infer', payload: addBody(1) });
    assert.deepEqual([res.statusCode, body.outputs?.[0].data], [200, [2]]);
  });

  test('pack explains what is wrong with its arguments', async (t) => {
    const repo = new ScratchRepository(t);
    assert.equal((await cli('pack')).code, 2);
    assert.equal((await cli('pack', repo.addVersion('m', 1), '--model-version', 'zero')).code, 2);
    const missing = await cli('pack', repo.path('nope'));
    assert.equal(missing.code, 1);
    assert.match(missing.stderr, /^pack: /);
    const help = await cli('pack', '--help');
    assert.match(help.stdout, /--encrypt-key-file/);
  });
});
