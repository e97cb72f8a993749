// src/inference/deadline-timer.ts: one timer expires every live item at its own deadline, in any order of arrival.
import assert from 'node:assert/strict';
import { performance } from 'node:perf_hooks';
import { test } from 'node:test';
import { DeadlineTimer } from '../../src/inference/deadline-timer.js';

interface Item {
  name: string;
  deadline: number;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

test('items expire at their own deadlines even when a shorter one arrives later; settled items are not expired', async (t) => {
  const live = new Set<Item>();
  const expired: { name: string; lateMs: number }[] = [];
  let allExpired: () => void = () => undefined;
  const done = new Promise<void>((resolve) => (allExpired = resolve));
  const timer = new DeadlineTimer<Item>(() => live, (item) => {
    live.delete(item);
    expired.push({ name: item.name, lateMs: performance.now() - item.deadline });
    if (expired.length === 3) allExpired();
  });
  t.after(() => timer.stop());
  const add = (name: string, inMs: number) => {
    const item = { name, deadline: performance.now() + inMs };
    live.add(item);
    timer.watch(item.deadline);
    return item;
  };
  add('long', 240);
  add('short', 40);
  const answered = add('answered', 80);
  add('middle', 120);
  live.delete(answered); // NOTE: answered in time: it leaves the live set and must never be reported
  await Promise.race([done, new Promise((r) => setTimeout(r, 10_000).unref())]);
  assert.deepEqual(expired.map((e) => e.name), ['short', 'middle', 'long']);
  for (const e of expired) assert.ok(e.lateMs >= 0, `${e.name} expired ${-e.lateMs} ms early`);
});

test('stop() cancels the pending expiry', async () => {
  const item = { name: 'x', deadline: performance.now() + 20 };
  let fired = false;
  const timer = new DeadlineTimer<Item>(() => [item], () => (fired = true));
  timer.watch(item.deadline);
  timer.stop();
  await sleep(60);
  assert.equal(fired, false);
});
