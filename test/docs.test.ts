// README.md's configuration table is generated from the config schema and must match it.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { test } from 'node:test';
import { README_FILE, renderReadme } from '../tools/config-docs.js';
import { ConfigSchema } from '../src/config/schema.js';
import { envName, flagName } from '../src/config/load.js';

test('the README configuration table lists every setting as the schema defines it (run tools/config-docs.ts)', () => {
  const readme = readFileSync(README_FILE, 'utf8');
  assert.equal(readme, renderReadme(readme));
  for (const key of Object.keys(ConfigSchema.shape)) {
    assert.ok(readme.includes(`| \`${flagName(key)}\` | \`${envName(key)}\``), key);
  }
});
