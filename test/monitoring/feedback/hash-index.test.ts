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

test('removeSlot drops the entry of one slot even after the slot was overwritten, and leaves an equal hash elsewhere', () => {
  const hashes = new Float64Array(8).fill(-1);
  const index = new HashIndex(8, hashes);
  const h = 2 ** 40 + 3;
  hashes[1] = h;
  hashes[5] = h;
  index.insert(h, 1);
  index.insert(h, 5);
  hashes[1] = 77; // overwritten before the index heard of it
  index.removeSlot(h, 1);
  assert.equal(index.find(h), 5, 'the other slot still answers');
  index.removeSlot(h, 5);
  assert.equal(index.find(h), -1);
  index.insert(77, 1);
  index.clear();
  assert.equal(index.find(77), -1, 'clear empties the table');
});
