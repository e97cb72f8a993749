// src/monitoring/feedback/feedback-store.ts: matched / unknown / expired / duplicate, first label wins, bounded memory.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { FeedbackStore, hash53, scopeSeed } from '../../../src/monitoring/feedback/feedback-store.js';
import { mulberry32 } from '../../../tools/train/prng.js';

function store(maxRows = 100, ttlMs = 1_000) {
  const clock = { now: 0 };
  return { clock, store: new FeedbackStore<string>({ ttlMs, maxRows, now: () => clock.now }) };
}

/** Looks up and, when matched, labels: what one feedback item does. */
function feedback(s: FeedbackStore<string>, key: string): string {
  const { outcome, entry } = s.lookup(key);
  if (outcome === 'matched') s.markLabelled(entry!);
  return outcome;
}

describe('FeedbackStore', () => {
  test('answers matched, then duplicate (the first label wins), and unknown for ids never seen', () => {
    const { store: s } = store();
    s.remember('a', 'v1', 2);
    assert.equal(feedback(s, 'a'), 'matched');
    assert.equal(feedback(s, 'a'), 'duplicate');
    assert.equal(s.lookup('a').entry?.owner, 'v1', 'a duplicate still names the version');
    assert.equal(feedback(s, 'b'), 'unknown');
  });

  test('ids are scoped by seed: the same id in two models is two predictions, each found only in its own', () => {
    const { store: s } = store();
    const [iris, mlp] = [scopeSeed('iris'), scopeSeed('mlp')];
    assert.notEqual(iris, mlp);
    assert.equal(s.remember('a', 'iris-v1', 1, iris), true);
    assert.equal(s.remember('a', 'mlp-v1', 2, mlp), true, 'not a duplicate of the other model\'s id');
    assert.equal(s.lookup('a', iris).entry?.owner, 'iris-v1');
    assert.equal(s.lookup('a', mlp).entry?.predicted, 2);
    assert.equal(s.lookup('a').outcome, 'unknown', 'the unscoped id was never kept');
    assert.equal(s.remember('a', 'iris-v2', 3, iris), false, 'within a scope the first prediction stays');
  });

  test('a lookup alone labels nothing (an invalid item can be resent)', () => {
    const { store: s } = store();
    s.remember('a', 'v1', 2);
    assert.equal(s.lookup('a').outcome, 'matched');
    assert.equal(s.lookup('a').outcome, 'matched');
  });

  test('answers expired once the TTL has passed, and frees the entry', () => {
    const { store: s, clock } = store(100, 1_000);
    s.remember('a', 'v1', 1);
    clock.now = 1_000;
    assert.equal(s.lookup('a').outcome, 'matched', 'exactly at the TTL is still in time');
    clock.now = 1_001;
    assert.equal(feedback(s, 'a'), 'expired');
    assert.equal(s.size, 0);
    assert.equal(s.rows, 0);
  });

  test('keeps the first prediction under an id (a retried request does not replace it)', () => {
    const { store: s } = store();
    assert.equal(s.remember('a', 'v1', 1), true);
    assert.equal(s.remember('a', 'v2', 0), false);
    assert.equal(s.lookup('a').entry?.owner, 'v1');
  });

  test('drops the oldest entries past the row budget; their ids read expired', () => {
    const { store: s, clock } = store(10);
    for (let i = 0; i < 15; i++) {
      clock.now = i;
      s.remember(`id${i}`, 'v1', i);
    }
    assert.equal(s.rows, 10);
    assert.equal(feedback(s, 'id0'), 'expired');
    assert.equal(feedback(s, 'id4'), 'expired');
    assert.equal(feedback(s, 'id5'), 'matched');
  });

  test('counts rows, not requests: a 6-row request pushes out six 1-row ones', () => {
    const { store: s } = store(10);
    for (let i = 0; i < 10; i++) s.remember(`one${i}`, 'v1', 0);
    s.remember('batch', 'v1', new Float64Array(6));
    assert.equal(s.rows, 10);
    assert.equal(s.size, 5);
    assert.equal(s.lookup('one5').outcome, 'expired');
    assert.equal(s.lookup('one6').outcome, 'matched');
  });

  test('refuses a request larger than the whole budget and empty ones', () => {
    const { store: s } = store(4);
    assert.equal(s.remember('big', 'v1', new Float64Array(5)), false);
    assert.equal(s.remember('empty', 'v1', new Float64Array(0)), false);
    assert.equal(s.lookup('big').outcome, 'unknown');
  });

  test("forgets an owner's entries when its version unloads; they read expired", () => {
    const { store: s } = store();
    s.remember('a', 'v1', 1);
    s.remember('b', 'v2', 1);
    s.dropOwner('v1');
    assert.equal(s.lookup('a').outcome, 'expired');
    assert.equal(s.lookup('b').outcome, 'matched');
  });

  test('remembers forgotten ids for at most the row budget', () => {
    const { store: s } = store(3);
    for (let i = 0; i < 10; i++) s.remember(`id${i}`, 'v1', 0);
    const expired = Array.from({ length: 10 }, (_, i) => s.lookup(`id${i}`).outcome);
    assert.deepEqual(expired, ['unknown', 'unknown', 'unknown', 'unknown', 'expired', 'expired', 'expired', 'matched', 'matched', 'matched']);
  });

  test('rejects a non-positive TTL or row budget', () => {
    assert.throws(() => new FeedbackStore({ ttlMs: 0, maxRows: 1 }), RangeError);
    assert.throws(() => new FeedbackStore({ ttlMs: 1, maxRows: 0 }), RangeError);
    assert.throws(() => new FeedbackStore({ ttlMs: 1, maxRows: 1.5 }), RangeError);
  });

  test('hashes ids to distinct 53-bit numbers (no collision among 100,000 uuids-like ids)', () => {
    const seen = new Set<number>();
    for (let i = 0; i < 100_000; i++) seen.add(hash53(`${i.toString(16).padStart(8, '0')}-0000-4000-8000-000000000000`));
    assert.equal(seen.size, 100_000);
    assert.ok([...seen].every((h) => Number.isSafeInteger(h) && h >= 0));
  });

  test('agrees with a naive list-based store over 20,000 random operations (expiry, eviction, reuse, unloads)', () => {
    agreesWithReference({ seed: 99, ttlMs: 500, maxRows: 40, ids: 300, operations: 20_000, multiRowShare: 0.75, unloadShare: 0.02 });
  });

  test('agrees with the reference on a budget of 1,500 rows filled to near its end (arrays sized for it from the start)', () => {
    const peak = agreesWithReference({ seed: 7, ttlMs: 60_000, maxRows: 1_500, ids: 6_000, operations: 12_000, multiRowShare: 0.05, unloadShare: 0.0005 });
    assert.ok(peak > 1_350, `the store held at most ${peak} entries`);
  });
});

/** Random remember / feedback / unload operations, each checked against a plain list-based model of the store; returns the most entries held. */
function agreesWithReference(o: { seed: number; ttlMs: number; maxRows: number; ids: number; operations: number; multiRowShare: number; unloadShare: number }): number {
  const { ttlMs, maxRows } = o;
  const random = mulberry32(o.seed);
  const clock = { now: 0 };
  const s = new FeedbackStore<string>({ ttlMs, maxRows, now: () => clock.now });
  // The reference: entries in arrival order, forgotten keys in a bounded FIFO list (a key forgotten twice is in it twice).
  let entries: { key: string; owner: string; rows: number; at: number; labelled: boolean }[] = [];
  let forgotten: string[] = [];
  let peak = 0;
  const forget = (e: (typeof entries)[number]) => {
    entries = entries.filter((x) => x !== e);
    forgotten = [...forgotten, e.key].slice(-maxRows);
  };
  const sweep = () => {
    while (entries.length > 0 && clock.now - entries[0].at > ttlMs) forget(entries[0]);
  };
  for (let op = 0; op < o.operations; op++) {
    clock.now += Math.floor(random() * 8);
    const key = `id${Math.floor(random() * o.ids)}`;
    const owner = random() < 0.5 ? 'v1' : 'v2';
    const u = random();
    if (u < 0.5) {
      const rows = random() < o.multiRowShare ? 2 + Math.floor(random() * 3) : 1;
      sweep();
      const expected = !entries.some((e) => e.key === key);
      if (expected) {
        entries.push({ key, owner, rows, at: clock.now, labelled: false });
        while (entries.reduce((n, e) => n + e.rows, 0) > maxRows) forget(entries[0]);
      }
      assert.equal(s.remember(key, owner, rows === 1 ? 0 : new Float64Array(rows)), expected, `op ${op} remember ${key}`);
    } else if (u < 1 - o.unloadShare) {
      sweep();
      const e = entries.find((x) => x.key === key);
      const expected = e === undefined ? (forgotten.includes(key) ? 'expired' : 'unknown') : e.labelled ? 'duplicate' : 'matched';
      if (e !== undefined) e.labelled = true;
      assert.equal(feedback(s, key), expected, `op ${op} feedback ${key}`);
    } else {
      for (const e of entries.filter((x) => x.owner === owner)) forget(e);
      s.dropOwner(owner);
    }
    assert.equal(s.rows, entries.reduce((n, e) => n + e.rows, 0), `op ${op} rows`);
    assert.equal(s.size, entries.length, `op ${op} size`);
    peak = Math.max(peak, s.size);
  }
  return peak;
}
