// src/request-id.ts: version-4 UUIDs, unique, every random digit uniformly used, across refills of the pool.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { requestUuid } from '../src/request-id.js';

const V4 = /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;

test('ids are RFC 9562 version-4 UUIDs, all distinct over several refills of the random pool', () => {
  const ids = Array.from({ length: 5000 }, () => requestUuid());
  for (const id of ids) assert.match(id, V4);
  assert.equal(new Set(ids).size, ids.length);
});

test('each random hex digit takes all 16 values about equally (not a counter, not a constant)', () => {
  const n = 16_000;
  const ids = Array.from({ length: n }, () => requestUuid().replaceAll('-', ''));
  // NOTE: digit 12 is the version and digit 16 carries the variant's two fixed bits (four values).
  for (const position of [0, 7, 11, 13, 20, 31]) {
    const counts = new Array<number>(16).fill(0);
    for (const id of ids) counts[parseInt(id[position], 16)]++;
    const chi2 = counts.reduce((sum, c) => sum + (c - n / 16) ** 2 / (n / 16), 0);
    assert.ok(chi2 < 60, `digit ${position}: chi-square ${chi2.toFixed(1)} over 15 degrees of freedom (p < 1e-7 above 60)`);
  }
  const variants = new Set(ids.map((id) => id[16]));
  assert.deepEqual([...variants].sort(), ['8', '9', 'a', 'b']);
});
