// `onnx-serve keys`: the real CLI in a child process prints a key once, stores only its hash, and the server accepts exactly that key.
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import { promisify } from 'node:util';
import { PACKAGE_ROOT } from '../../src/version.js';
import { buildTestApp, DEFAULT_MODELS } from '../helper.js';
import { scratchDir } from '../helpers/credentials.js';

const run = promisify(execFile);

/** `onnx-serve <args>` through tsx; resolves with the exit code and both streams, never rejects. */
async function cli(...args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  try {
    const { stdout, stderr } = await run(process.execPath, ['--import', 'tsx', join(PACKAGE_ROOT, 'src/main.ts'), ...args], { cwd: PACKAGE_ROOT });
    return { code: 0, stdout, stderr };
  } catch (err) {
    const e = err as { code: number; stdout: string; stderr: string };
    return { code: e.code, stdout: e.stdout, stderr: e.stderr };
  }
}

describe('onnx-serve keys', () => {
  test('create prints the key once on stdout, stores only a salted hash (mode 0600), and the server accepts it with its scopes', async (t) => {
    const file = join(scratchDir('keys-cli'), 'keys.json');
    const created = await cli('keys', 'create', '--name', 'ci-bot', '--scopes', 'infer:iris,read:iris', '--file', file);
    assert.equal(created.code, 0, created.stderr);
    const key = created.stdout.trim();
    assert.match(key, /^osk_[0-9a-f]{12}_[A-Za-z0-9_-]{43}$/);
    assert.match(created.stderr, /shown only now/);
    const stored = readFileSync(file, 'utf8');
    assert.ok(!stored.includes(key) && !stored.includes(key.slice(17)), 'neither the key nor its secret part is stored');
    assert.equal(statSync(file).mode & 0o777, 0o600);
    const entry = JSON.parse(stored).keys[0];
    assert.deepEqual([entry.name, entry.scopes], ['ci-bot', ['infer:iris', 'read:iris']]);
    assert.match(entry.hash, /^scrypt\$16384\$8\$1\$/);

    const { app, logs } = await buildTestApp(t, { config: { models: DEFAULT_MODELS, auth: true, apiKeysFile: file } });
    assert.equal((await app.inject({ url: '/v2/models/iris', headers: { 'x-api-key': key } })).statusCode, 200);
    assert.equal((await app.inject({ url: '/metrics', headers: { 'x-api-key': key } })).statusCode, 403);
    assert.ok(!logs.text.includes(key));

    const second = await cli('keys', 'create', '--name', 'scraper', '--scopes', 'metrics:read,team-x', '--file', file, '--expires-days', '30');
    assert.equal(second.code, 0, second.stderr);
    assert.match(second.stderr, /'team-x' is not a built-in scope/);
    const listed = await cli('keys', 'list', '--file', file);
    assert.match(listed.stdout, /^ci-bot\t[0-9a-f]{12}\tinfer:iris,read:iris\tno expiry\nscraper\t[0-9a-f]{12}\tmetrics:read,team-x\texpires 20\d\d-/);
    assert.ok(!listed.stdout.includes('scrypt'), 'list shows no hashes');

    const revoked = await cli('keys', 'revoke', '--name', 'ci-bot', '--file', file);
    assert.equal(revoked.code, 0, revoked.stderr);
    assert.deepEqual(JSON.parse(readFileSync(file, 'utf8')).keys.map((k: { name: string }) => k.name), ['scraper']);
  });

  test('without --file it prints the key and the entry for ONNX_SERVE_API_KEYS, which the server accepts', async (t) => {
    const created = await cli('keys', 'create', '--name', 'env-key', '--scopes', 'infer:*');
    assert.equal(created.code, 0, created.stderr);
    const entry = created.stderr.split('\n').find((l) => l.startsWith('{'))!;
    const { app } = await buildTestApp(t, { config: { models: DEFAULT_MODELS, auth: true, apiKeys: JSON.stringify({ keys: [JSON.parse(entry)] }) } });
    const res = await app.inject({ method: 'POST', url: '/v1/models/iris:predict', payload: { instances: [[1, 2, 3, 4]] }, headers: { authorization: `Bearer ${created.stdout.trim()}` } });
    assert.equal(res.statusCode, 200);
  });

  test('refuses a missing name, no scopes, a malformed scope and a duplicate name, with exit code 2', async () => {
    const file = join(scratchDir('keys-cli-bad'), 'keys.json');
    assert.equal((await cli('keys', 'create', '--name', 'a', '--scopes', 'admin', '--file', file)).code, 0);
    const cases: [string[], RegExp][] = [
      [['--scopes', 'admin'], /--name is required/],
      [['--name', 'b'], /--scopes is required/],
      [['--name', 'b', '--scopes', 'infer:not valid'], /may only use letters/],
      [['--name', 'a', '--scopes', 'admin', '--file', file], /a key named 'a' already exists/],
      [['--name', 'b', '--scopes', 'admin', '--expires-days', 'soon'], /--expires-days/],
    ];
    const results = await Promise.all(cases.map(([args]) => cli('keys', 'create', ...args)));
    for (const [i, [args, message]] of cases.entries()) {
      assert.equal(results[i].code, 2, args.join(' '));
      assert.match(results[i].stderr, message);
      assert.equal(results[i].stdout, '', 'no key printed');
    }
  });
});
