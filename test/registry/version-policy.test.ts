// src/registry/version-policy.ts: which versions on disk each policy serves, tried newest first.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { planVersions, type VersionPlan } from '../../src/registry/version-policy.js';
import type { VersionPolicy } from '../../src/repository/model-config.js';

const CASES: [string, VersionPolicy, number[], VersionPlan][] = [
  ['latest 1 of 1, 2, 3', { latest: 1 }, [1, 2, 3], { candidates: [3, 2, 1], want: 1, missing: [] }],
  ['latest 2 of 1, 2, 3', { latest: 2 }, [1, 2, 3], { candidates: [3, 2, 1], want: 2, missing: [] }],
  ['latest 5 of 1, 2', { latest: 5 }, [1, 2], { candidates: [2, 1], want: 5, missing: [] }],
  ['latest 1 of none', { latest: 1 }, [], { candidates: [], want: 1, missing: [] }],
  ['latest 1 of unsorted 10, 2, 7', { latest: 1 }, [10, 2, 7], { candidates: [10, 7, 2], want: 1, missing: [] }],
  ["'all' of 1, 2, 3", 'all', [1, 2, 3], { candidates: [3, 2, 1], want: Infinity, missing: [] }],
  ['{all: true} of 1, 3', { all: true }, [3, 1], { candidates: [3, 1], want: Infinity, missing: [] }],
  ['{all: {}} of 1, 2', { all: {} }, [1, 2], { candidates: [2, 1], want: Infinity, missing: [] }],
  ["'all' of none", 'all', [], { candidates: [], want: Infinity, missing: [] }],
  ['specific 1, 3 of 1, 2, 3', { specific: [1, 3] }, [1, 2, 3], { candidates: [3, 1], want: Infinity, missing: [] }],
  ['specific 2, 4, 5 of 1, 2, 3', { specific: [2, 4, 5] }, [1, 2, 3], { candidates: [2], want: Infinity, missing: [5, 4] }],
  ['specific 7 of 1, 2', { specific: [7] }, [1, 2], { candidates: [], want: Infinity, missing: [7] }],
  ['specific 3, 1, 3 (duplicate) of 1, 2, 3', { specific: [3, 1, 3] }, [1, 2, 3], { candidates: [3, 1], want: Infinity, missing: [] }],
  ['specific 1 of none', { specific: [1] }, [], { candidates: [], want: Infinity, missing: [1] }],
];

for (const [what, policy, available, plan] of CASES) {
  test(`policy ${what} plans ${JSON.stringify(plan.candidates)}, want ${plan.want}, missing ${JSON.stringify(plan.missing)}`, () => {
    assert.deepEqual(planVersions(policy, available), plan);
  });
}

test('planning leaves the list of available versions unchanged', () => {
  const available = [1, 3, 2];
  planVersions({ latest: 1 }, available);
  planVersions({ specific: [2] }, available);
  assert.deepEqual(available, [1, 3, 2]);
});
