// src/repository/profile-file.ts: profile.json round trip, hash verification, schema errors.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { buildProfile } from '../../src/monitoring/profile/build-profile.js';
import { canonicalJson, parseProfile, profileHash, serializeProfile } from '../../src/repository/profile-file.js';

const PROFILE = buildProfile({
  rows: 4,
  features: [{ name: 'x', input: 'in', column: 0, type: 'numeric', values: [1, 2, 3, 4] }],
  outputs: [{ name: 'y', type: 'classes', classes: 2, values: [0, 1, 1, 1] }],
  performance: { task: 'classification', output: 'y', rows: 4, accuracy: 0.75 },
  bins: 2,
});

describe('profile.json', () => {
  test('round-trips: what is written parses back equal, with its hash', () => {
    const text = serializeProfile(PROFILE);
    const parsed = parseProfile(text);
    assert.equal(parsed.format, 'onnx-serve.profile/v1');
    assert.deepEqual(parsed.features, PROFILE.features);
    assert.equal(parsed.hash, JSON.parse(text).hash);
    assert.match(parsed.hash, /^[0-9a-f]{64}$/);
  });

  test('the hash ignores key order and whitespace, but not values', () => {
    const raw = JSON.parse(serializeProfile(PROFILE));
    const reordered = Object.fromEntries(Object.entries(raw).reverse());
    assert.doesNotThrow(() => parseProfile(JSON.stringify(reordered)));
    assert.equal(profileHash(reordered as never), raw.hash);
    raw.features[0].mean = 99;
    assert.throws(() => parseProfile(JSON.stringify(raw)), /hash does not match/);
  });

  test('canonical JSON sorts keys at every level', () => {
    assert.equal(canonicalJson({ b: [{ d: 1, c: 2 }], a: null, u: undefined }), '{"a":null,"b":[{"c":2,"d":1}]}');
  });

  for (const [what, mutate, message] of [
    ['not JSON', () => '{', /not valid JSON/],
    ['proportions of the wrong length', (p: any) => { p.features[0].proportions.push(0); }, /feature 'x' has 5 proportions, expected 4/],
    ['edges outside the range', (p: any) => { p.features[0].edges = [5]; }, /edges must increase strictly/],
    ['proportions not summing to 1', (p: any) => { p.features[0].proportions[1] = 0.9; }, /sum to 1/],
    ['an unknown key', (p: any) => { p.extra = 1; }, /Unrecognized key/],
    ['a duplicate feature', (p: any) => { p.features.push(p.features[0]); }, /appears twice/],
    ['another format', (p: any) => { p.format = 'v0'; }, /format/],
  ] as const) {
    test(`rejects ${what}`, () => {
      const raw = JSON.parse(serializeProfile(PROFILE));
      const text = (mutate as (p: unknown) => unknown)(raw);
      assert.throws(() => parseProfile(typeof text === 'string' ? text : JSON.stringify(raw)), message);
    });
  }
});
