// npm run demo:drift: runs against its own server and prints exactly the gauges the README shows.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { PACKAGE_ROOT } from '../../src/version.js';

test("the demo's output contains every line of the README's demo table, and the gauges cross their thresholds", () => {
  const run = spawnSync(process.execPath, ['--import', 'tsx', 'tools/demo-drift.ts'], { cwd: PACKAGE_ROOT, encoding: 'utf8', timeout: 120_000 });
  assert.equal(run.status, 0, run.stderr);
  const readme = readFileSync(join(PACKAGE_ROOT, 'README.md'), 'utf8');
  const block = /### Demo: `npm run demo:drift`[\s\S]*?```\n([\s\S]*?)```/.exec(readme)![1].trimEnd().split('\n');
  assert.ok(block.length >= 8);
  const lines = new Set(run.stdout.split('\n'));
  for (const line of block) assert.ok(lines.has(line), `the demo prints:\n${line}\n---\n${run.stdout}`);
  assert.match(run.stdout, /^dataset drift detected +— +0 +1$/m);
  assert.match(run.stdout, /^accuracy drop detected +— +0 +1$/m);
});
