// src/monitoring/drift/window.ts: the sliding window sums exactly the buckets still inside it, in fixed memory.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { SlidingWindow } from '../../../src/monitoring/drift/window.js';
import { mulberry32 } from '../../../tools/train/prng.js';

describe('SlidingWindow', () => {
  test('sums what was added inside the window', () => {
    const w = new SlidingWindow({ slots: 3, windowMs: 60_000, buckets: 6 });
    w.add(1_000, 0);
    w.add(15_000, 1, 2);
    w.add(59_000, 2, 3);
    assert.deepEqual(Array.from(w.totals(59_000)), [1, 2, 3]);
  });

  test('drops a bucket whole once it falls out: 6 buckets of 10 s keep between 50 and 60 s', () => {
    const w = new SlidingWindow({ slots: 1, windowMs: 60_000, buckets: 6 });
    w.add(5_000, 0); // bucket [0, 10 s)
    assert.equal(w.totals(59_999)[0], 1);
    assert.equal(w.totals(60_000)[0], 0, 'the bucket of t=5 s is reused for [60, 70 s)');
  });

  test('a long idle gap clears everything', () => {
    const w = new SlidingWindow({ slots: 2, windowMs: 1_000, buckets: 4 });
    for (let t = 0; t < 1_000; t += 10) w.add(t, t % 2);
    assert.deepEqual(Array.from(w.totals(1_000_000)), [0, 0]);
  });

  test('matches a brute-force count of the events whose bucket is still in the window', () => {
    const random = mulberry32(5);
    const windowMs = 10_000;
    const buckets = 5;
    const bucketMs = windowMs / buckets;
    const w = new SlidingWindow({ slots: 4, windowMs, buckets });
    const events: [number, number][] = [];
    let now = 0;
    for (let i = 0; i < 2_000; i++) {
      now += Math.floor(random() * (random() < 0.05 ? 8_000 : 60));
      const slot = Math.floor(random() * 4);
      w.add(now, slot);
      events.push([now, slot]);
      if (i % 37 === 0) {
        const oldest = (Math.floor(now / bucketMs) - buckets + 1) * bucketMs;
        const expected = [0, 1, 2, 3].map((s) => events.filter(([t, e]) => e === s && t >= oldest).length);
        assert.deepEqual(Array.from(w.totals(now)), expected, `at t=${now}`);
      }
    }
  });

  test('a clock stepping back counts into the newest bucket', () => {
    const w = new SlidingWindow({ slots: 1, windowMs: 1_000, buckets: 2 });
    w.add(10_000, 0);
    w.add(9_000, 0);
    assert.equal(w.totals(10_000)[0], 2);
  });

  test('holds the same bytes however much is added; float buckets sum fractions', () => {
    const w = new SlidingWindow({ slots: 13, windowMs: 3_600_000, buckets: 12 });
    const before = w.bytes;
    for (let i = 0; i < 100_000; i++) w.add(i * 50, i % 13);
    assert.equal(w.bytes, before);
    assert.equal(before, 13 * 12 * 4 + 13 * 8);
    const f = new SlidingWindow({ slots: 1, windowMs: 1_000, buckets: 1, array: Float64Array });
    f.add(0, 0, 0.25);
    f.add(1, 0, 0.5);
    assert.equal(f.totals(2)[0], 0.75);
  });

  for (const [what, options] of [
    ['zero slots', { slots: 0, windowMs: 1_000, buckets: 1 }],
    ['fractional buckets', { slots: 1, windowMs: 1_000, buckets: 1.5 }],
    ['less than a millisecond per bucket', { slots: 1, windowMs: 5, buckets: 10 }],
  ] as const) {
    test(`rejects ${what}`, () => assert.throws(() => new SlidingWindow(options), RangeError));
  }
});
