// src/health.ts: readiness as probes see it: loading, holds (the startup warm-up), draining, strict readiness.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { ServerHealth } from '../src/health.js';
import type { IndexEntry, ModelRegistry } from '../src/registry/model-registry.js';

/** A registry that only answers failures(), which is all ServerHealth asks of it. */
function registry(failures: IndexEntry[] = []): ModelRegistry {
  return { failures: () => failures } as unknown as ModelRegistry;
}

test('holds keep readiness false with their reason, the oldest first, until each is released (once is enough)', () => {
  const health = new ServerHealth(registry(), false);
  const warming = health.hold('warming up the request path');
  assert.deepEqual(health.readiness(), { ready: false, reason: 'models are still loading', unavailable: [] }, 'loading is said first');
  health.markStarted();
  assert.equal(health.readiness().reason, 'warming up the request path');
  const other = health.hold('something else');
  warming();
  assert.equal(health.readiness().reason, 'something else');
  warming();
  assert.equal(health.readiness().reason, 'something else', 'a second release of the same hold releases nothing more');
  other();
  assert.deepEqual(health.readiness(), { ready: true, unavailable: [] });
});

test('two holds with the same reason are two holds', () => {
  const health = new ServerHealth(registry(), false);
  health.markStarted();
  const a = health.hold('same');
  const b = health.hold('same');
  a();
  assert.equal(health.readiness().ready, false);
  b();
  assert.equal(health.readiness().ready, true);
});

test('draining is said before a hold, and strict readiness after it', () => {
  const failed: IndexEntry[] = [{ name: 'm', version: '1', state: 'UNAVAILABLE', reason: 'invalid' } as IndexEntry];
  const health = new ServerHealth(registry(failed), true);
  health.markStarted();
  const release = health.hold('warming up the request path');
  assert.equal(health.readiness().reason, 'warming up the request path');
  release();
  assert.match(health.readiness().reason ?? '', /strict readiness/);
  health.hold('again');
  health.markDraining();
  assert.equal(health.readiness().reason, 'shutting down');
});
