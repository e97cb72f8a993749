// Which queued requests form the next batch: table tests of the pure selection.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { selectBatch, type Queued, type Selection } from '../../src/inference/batch-policy.js';

const q = (spec: string): Queued[] =>
  spec.split(' ').filter(Boolean).map((s) => {
    const [key, rows] = s.split(':');
    return { key: key === '-' ? null : key, rows: Number(rows) };
  });

const cases: { name: string; queue: string; max: number; preferred?: number[]; expected: Selection | null }[] = [
  { name: 'an empty queue selects nothing', queue: '', max: 8, expected: null },
  { name: 'a lone request is not full (a delay could still fill it)', queue: 'a:1', max: 8, expected: { members: [0], rows: 1, full: false } },
  { name: 'takes every request of the head\'s key in order', queue: 'a:1 a:2 a:1', max: 8, expected: { members: [0, 1, 2], rows: 4, full: false } },
  { name: 'skips requests of other keys without moving them', queue: 'a:1 b:1 a:1', max: 8, expected: { members: [0, 2], rows: 2, full: false } },
  { name: 'stops at max batch size exactly', queue: 'a:2 a:2 a:2', max: 4, expected: { members: [0, 1], rows: 4, full: true } },
  { name: 'stops before a request that would overflow', queue: 'a:3 a:2 a:1', max: 4, expected: { members: [0], rows: 3, full: true } },
  { name: 'a head larger than the maximum runs alone', queue: 'a:9 a:1', max: 4, expected: { members: [0], rows: 9, full: true } },
  { name: 'a request that never merges runs alone', queue: '-:1 -:1', max: 8, expected: { members: [0], rows: 1, full: true } },
  { name: 'never-merging requests are not taken after a head', queue: 'a:1 -:1 a:1', max: 8, expected: { members: [0, 2], rows: 2, full: false } },
  { name: 'prefers the largest preferred size reached', queue: 'a:1 a:1 a:1 a:1 a:1', max: 8, preferred: [2, 4], expected: { members: [0, 1, 2, 3], rows: 4, full: true } },
  { name: 'without a reachable preferred size takes what fits', queue: 'a:3', max: 8, preferred: [2, 4], expected: { members: [0], rows: 3, full: false } },
];

for (const c of cases) {
  test(`selectBatch: ${c.name}`, () => {
    assert.deepEqual(selectBatch(q(c.queue), { maxBatchSize: c.max, preferredBatchSizes: c.preferred ?? [] }), c.expected);
  });
}
