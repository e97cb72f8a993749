// src/monitoring/feedback/forgotten-ids.ts: the last N forgotten hashes, answered exactly however lookups and writes interleave.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { ForgottenIds } from '../../../src/monitoring/feedback/forgotten-ids.js';
import { mulberry32 } from '../../../tools/train/prng.js';

test('agrees with a list of the last N hashes over 30,000 writes, with lookups from every write to after the ring went round', () => {
  const random = mulberry32(11);
  const capacity = 50;
  const ids = new ForgottenIds(capacity);
  let reference: number[] = [];
  // NOTE: few distinct hashes, so ids are forgotten again while still held (two places) and home buckets collide.
  const hashOf = (n: number) => 2 ** 36 * (n + 1) + (n % 5);
  for (let op = 0; op < 30_000; op++) {
    // NOTE: bursts of writes between lookups: none, a few, or more than the ring holds (the rebuild path).
    const burst = [0, 1, 3, 20, 49, 50, 120][Math.floor(random() * 7)];
    for (let w = 0; w < burst; w++) {
      const h = hashOf(Math.floor(random() * 150));
      ids.add(h);
      reference = [...reference, h].slice(-capacity);
    }
    const probe = hashOf(Math.floor(random() * 150));
    assert.equal(ids.has(probe), reference.includes(probe), `op ${op}`);
  }
});
