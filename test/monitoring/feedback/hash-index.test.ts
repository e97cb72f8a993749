// src/monitoring/feedback/hash-index.ts: finds what was inserted, forgets what was removed, across collisions and wrap-around.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { HashIndex } from '../../../src/monitoring/feedback/hash-index.js';
import { mulberry32 } from '../../../tools/train/prng.js';

test('agrees with a Map over 50,000 random inserts and removes in a nearly full table', () => {
  const random = mulberry32(5);
  const slots = 24; // NOTE: a 64-entry table: long probe runs that wrap past the end
  const hashes = new Float64Array(slots).fill(-1);
  const index = new HashIndex(slots, hashes);
  const reference = new Map<number, number>();
  // NOTE: seven home buckets straddling the end of the table, so runs wrap; the high bits keep hashes distinct.
  const hashOf = (n: number) => 2 ** 40 * (n + 1) + 60 + (n % 7);
  for (let op = 0; op < 50_000; op++) {
    const h = hashOf(Math.floor(random() * 60));
    const slot = reference.get(h);
    if (slot === undefined) {
      const free = [...Array(slots).keys()].find((s) => hashes[s] === -1);
      if (free === undefined) continue;
      hashes[free] = h;
      index.insert(h, free);
      reference.set(h, free);
    } else {
      index.remove(h);
      hashes[slot] = -1;
      reference.delete(h);
    }
    const probe = hashOf(Math.floor(random() * 60));
    assert.equal(index.find(probe), reference.get(probe) ?? -1, `op ${op}`);
  }
  for (const [h, s] of reference) assert.equal(index.find(h), s);
});
