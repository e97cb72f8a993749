// src/registry/keyed-lock.ts: work for one key runs one at a time, in order, even when some of it fails.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { KeyedLock } from '../../src/registry/keyed-lock.js';

test('runs calls for the same key one after another, in arrival order, past failures', async () => {
  const lock = new KeyedLock();
  const log: string[] = [];
  const job = (name: string, ms: number, fail = false) => lock.run('m', async () => {
    log.push(`start ${name}`);
    await sleep(ms);
    log.push(`end ${name}`);
    if (fail) throw new Error(name);
    return name;
  });
  const results = await Promise.allSettled([job('a', 30), job('b', 1, true), job('c', 1)]);
  assert.deepEqual(log, ['start a', 'end a', 'start b', 'end b', 'start c', 'end c']);
  assert.deepEqual(results.map((r) => r.status), ['fulfilled', 'rejected', 'fulfilled']);
  assert.equal(lock.busy('m'), false);
});

test('different keys run concurrently', async () => {
  const lock = new KeyedLock();
  let running = 0;
  let peak = 0;
  const job = (key: string) => lock.run(key, async () => {
    peak = Math.max(peak, ++running);
    await sleep(20);
    running--;
  });
  await Promise.all([job('a'), job('b'), job('c')]);
  assert.equal(peak, 3);
});
