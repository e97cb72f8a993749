// src/repository/poll-plan.ts: a version is acted on only once complete; removed models unload; held ones are left alone.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { appliedFrom, planPoll, type ModelSnapshot, type RepositorySnapshot } from '../../src/repository/poll-plan.js';

/** A model snapshot from `{version: fingerprint}`; a trailing '!' marks a complete manifest. */
function model(versions: Record<number, string>, configHash = 'c1'): ModelSnapshot {
  return {
    configHash,
    versions: new Map(Object.entries(versions).map(([v, f]) => [Number(v), { fingerprint: f.replace('!', ''), manifestComplete: f.endsWith('!') }])),
  };
}
const repo = (models: Record<string, ModelSnapshot>): RepositorySnapshot => new Map(Object.entries(models));

describe('planPoll', () => {
  const base = repo({ m: model({ 1: 'a' }) });
  const cases: {
    name: string;
    previous: RepositorySnapshot;
    current: RepositorySnapshot;
    held?: string[];
    loaded?: string[];
    load: [string, number[]][];
    unload?: string[];
  }[] = [
    { name: 'nothing changed: nothing to do', previous: base, current: base, load: [] },
    { name: 'a new version seen once: waits (it may be half-copied)', previous: base, current: repo({ m: model({ 1: 'a', 2: 'b' }) }), load: [] },
    { name: 'a new version with a complete manifest: taken at once', previous: base, current: repo({ m: model({ 1: 'a', 2: 'b!' }) }), load: [['m', []]] },
    { name: 'a version still growing: skipped', previous: repo({ m: model({ 1: 'a', 2: 'b' }) }), current: repo({ m: model({ 1: 'a', 2: 'c' }) }), load: [['m', [2]]] },
    { name: 'a removed version: the model is re-applied', previous: repo({ m: model({ 1: 'a', 2: 'b' }) }), current: repo({ m: model({ 2: 'b' }) }), load: [['m', []]] },
    { name: 'model.yaml changing: waits for it to settle', previous: base, current: repo({ m: model({ 1: 'a' }, 'c2') }), load: [] },
    { name: 'a new model: waits a poll', previous: base, current: repo({ m: model({ 1: 'a' }), n: model({ 1: 'x!' }) }), load: [] },
    { name: 'a removed model directory: unloaded', previous: base, current: repo({}), load: [], unload: ['m'] },
    { name: 'a held model is neither reloaded nor unloaded', previous: base, current: repo({}), held: ['m'], load: [] },
    { name: 'a model loaded through the API but never polled: unloaded when its directory goes', previous: base, current: base, loaded: ['api-only'], load: [], unload: ['api-only'] },
  ];
  for (const c of cases) {
    test(c.name, () => {
      const actions = planPoll(c.previous, c.current, appliedFrom(c.previous), new Set(c.held ?? []), new Set(c.loaded ?? []));
      assert.deepEqual(actions.load.map((l) => [l.name, [...l.skip]]), c.load);
      assert.deepEqual(actions.unload, c.unload ?? []);
    });
  }

  test('a version is taken on the poll after it stops changing, then nothing more happens', () => {
    const copying = repo({ m: model({ 1: 'a', 2: 'half' }) });
    const copied = repo({ m: model({ 1: 'a', 2: 'full' }) });
    let applied = appliedFrom(base);
    const steps: [RepositorySnapshot, RepositorySnapshot, [string, number[]][]][] = [
      [base, copying, []], // seen for the first time
      [copying, copied, []], // still changing
      [copied, copied, [['m', []]]], // unchanged across two polls: load it
      [copied, copied, []], // settled
    ];
    for (const [i, [previous, current, load]] of steps.entries()) {
      const actions = planPoll(previous, current, applied, new Set());
      assert.deepEqual(actions.load.map((l) => [l.name, [...l.skip]]), load, `step ${i}`);
      applied = actions.applied;
    }
  });

  test('a new model whose versions are all still being written waits instead of appearing empty', () => {
    const previous = repo({ n: model({ 1: 'half' }) });
    const actions = planPoll(previous, repo({ n: model({ 1: 'more' }) }), new Map(), new Set());
    assert.deepEqual(actions.load, []);
  });
});
