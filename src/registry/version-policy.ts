// Version policy: which versions on disk a model should serve (pure; table-tested).
import type { VersionPolicy } from '../repository/model-config.js';

export interface VersionPlan {
  /** Versions to try, in order of preference. */
  candidates: number[];
  /** How many of them should end up serving (Infinity: all that load). */
  want: number;
  /** Versions the policy names that are not on disk. */
  missing: number[];
}

/**
 * `latest: N` prefers the newest versions and falls back to older ones when a newer one fails to load,
 * so a broken upload never leaves a model with fewer serving versions than it could have.
 */
export function planVersions(policy: VersionPolicy, available: readonly number[]): VersionPlan {
  const newestFirst = [...available].sort((a, b) => b - a);
  if (policy === 'all' || 'all' in policy) return { candidates: newestFirst, want: Infinity, missing: [] };
  if ('latest' in policy) return { candidates: newestFirst, want: policy.latest, missing: [] };
  const wanted = [...new Set(policy.specific)].sort((a, b) => b - a);
  return {
    candidates: wanted.filter((v) => available.includes(v)),
    want: Infinity,
    missing: wanted.filter((v) => !available.includes(v)),
  };
}
