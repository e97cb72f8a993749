// src/monitoring/drift/statistics.ts: every statistic against hand-computed values and an independent formulation.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { binnedKs, jensenShannon, lInfinity, psi, toProportions } from '../../../src/monitoring/drift/statistics.js';
import { mulberry32 } from '../../../tools/train/prng.js';

const close = (actual: number, expected: number, tolerance = 1e-12, what = '') =>
  assert.ok(Math.abs(actual - expected) <= tolerance, `${what} ${actual} is not within ${tolerance} of ${expected}`);

/** A random distribution over `k` bins, some of them empty. */
function randomDistribution(random: () => number, k: number): number[] {
  const raw = Array.from({ length: k }, (): number => (random() < 0.2 ? 0 : random()));
  if (!raw.some((x) => x > 0)) raw[0] = 1;
  const sum = raw.reduce((a, b) => a + b, 0);
  return raw.map((x) => x / sum);
}

/** Kullback-Leibler divergence in nats, for PSI = KL(q‖p) + KL(p‖q). */
const kl = (a: number[], b: number[]) => a.reduce((s, ai, i) => s + (ai > 0 ? ai * Math.log(ai / b[i]) : 0), 0);
/** Shannon entropy in bits, for JSD = H(M) − (H(P) + H(Q)) / 2. */
const entropy = (a: number[]) => -a.reduce((s, ai) => s + (ai > 0 ? ai * Math.log2(ai) : 0), 0);

/** Standard normal CDF via erf (Abramowitz & Stegun 7.1.26, |error| < 1.5e-7). */
function normalCdf(x: number): number {
  const z = Math.abs(x) / Math.SQRT2;
  const t = 1 / (1 + 0.3275911 * z);
  const erf = 1 - ((((1.061405429 * t - 1.453152027) * t + 1.421413741) * t - 0.284496736) * t + 0.254829592) * t * Math.exp(-z * z);
  return x >= 0 ? (1 + erf) / 2 : (1 - erf) / 2;
}

describe('PSI', () => {
  const cases: [string, number[], number[], number][] = [
    // (0.9 − 0.5)·ln(0.9/0.5) + (0.1 − 0.5)·ln(0.1/0.5) = 0.4·ln 1.8 + 0.4·ln 5
    ['a 50/50 split moving to 90/10', [0.5, 0.5], [0.9, 0.1], 0.4 * Math.log(1.8) + 0.4 * Math.log(5)],
    ['identical distributions', [0.2, 0.3, 0.5], [0.2, 0.3, 0.5], 0],
    // 0.1·ln(0.3/0.2)·… by hand: (0.3−0.2)ln(1.5) + (0.2−0.3)ln(2/3) + 0
    ['two bins trading 10 points', [0.2, 0.3, 0.5], [0.3, 0.2, 0.5], 0.1 * Math.log(1.5) - 0.1 * Math.log(2 / 3)],
  ];
  for (const [what, p, q, expected] of cases) {
    test(`is ${expected.toFixed(6)} for ${what} (no smoothing)`, () => close(psi(p, q, 0), expected));
  }

  test('equals KL(q‖p) + KL(p‖q) on random distributions without empty bins', () => {
    const random = mulberry32(7);
    for (let trial = 0; trial < 200; trial++) {
      const k = 2 + Math.floor(random() * 15);
      const p = randomDistribution(random, k).map((x) => x + 0.01);
      const q = randomDistribution(random, k).map((x) => x + 0.01);
      const [sp, sq] = [p.reduce((a, b) => a + b), q.reduce((a, b) => a + b)];
      const [pn, qn] = [p.map((x) => x / sp), q.map((x) => x / sq)];
      close(psi(pn, qn, 0), kl(qn, pn) + kl(pn, qn), 1e-10, `k=${k}`);
    }
  });

  test('stays finite when a bin is empty on one side, thanks to the epsilon smoothing', () => {
    const value = psi([0, 0.5, 0.5], [0.1, 0.45, 0.45]);
    assert.ok(Number.isFinite(value) && value > 0.25, `got ${value}`);
    // By hand with ε = 1e-4 and renormalisation by 1 + 3ε: the empty bin's term dominates.
    const n = 1 + 3e-4;
    const term = (p: number, q: number) => ((q + 1e-4) / n - (p + 1e-4) / n) * Math.log((q + 1e-4) / (p + 1e-4));
    close(value, term(0, 0.1) + 2 * term(0.5, 0.45), 1e-12);
  });

  test('approaches d² for a normal shifted by d standard deviations, on fine quantile bins', () => {
    // NOTE: theory: for N(0,1) against N(d,1), PSI (the symmetric KL divergence) is exactly d².
    for (const d of [0.1, 0.5, 1]) {
      const edges = Array.from({ length: 399 }, (_, i) => -6 + (12 * (i + 1)) / 400);
      const bins = (shift: number) => {
        const cdf = [0, ...edges.map((e) => normalCdf(e - shift)), 1];
        return cdf.slice(1).map((c, i) => c - cdf[i]);
      };
      close(psi(bins(0), bins(d), 0), d * d, 0.01 * d * d + 1e-4, `d=${d}`);
    }
  });
});

describe('binned KS', () => {
  test('is the largest gap between the cumulative shares, 0.2 for uniform against 0.1/0.2/0.3/0.4', () => {
    // CDF gaps: −0.15, −0.20, −0.15, 0 → 0.2
    close(binnedKs([0.25, 0.25, 0.25, 0.25], [0.1, 0.2, 0.3, 0.4]), 0.2);
  });

  test('is 1 for disjoint distributions and 0 for equal ones', () => {
    close(binnedKs([1, 0, 0], [0, 0, 1]), 1);
    close(binnedKs([0.3, 0.7], [0.3, 0.7]), 0);
  });

  test('equals the exact two-sample KS statistic when every distinct value has its own bin', () => {
    const random = mulberry32(11);
    for (let trial = 0; trial < 100; trial++) {
      const values = 2 + Math.floor(random() * 8);
      const a = Array.from({ length: 20 + Math.floor(random() * 50) }, () => Math.floor(random() * values));
      const b = Array.from({ length: 20 + Math.floor(random() * 50) }, () => Math.floor(random() * random() * values));
      // Exact KS: sup over x of |F_a(x) − F_b(x)|, evaluated at every sample point.
      const cdf = (s: number[], x: number) => s.filter((v) => v <= x).length / s.length;
      const exact = Math.max(...[...a, ...b].map((x) => Math.abs(cdf(a, x) - cdf(b, x))));
      const count = (s: number[]) => Array.from({ length: values }, (_, v) => s.filter((x) => x === v).length);
      close(binnedKs(toProportions(count(a)), toProportions(count(b))), exact, 1e-12);
    }
  });
});

describe('Jensen-Shannon distance', () => {
  const cases: [string, number[], number[], number][] = [
    ['disjoint distributions', [1, 0], [0, 1], 1],
    ['equal distributions', [0.2, 0.8], [0.2, 0.8], 0],
    // M = (0.75, 0.25); JSD = ½(0.5·log2(0.5/0.75) + 0.5·log2(0.5/0.25)) + ½·log2(1/0.75) = 0.311278…
    ['50/50 against all-in-one', [0.5, 0.5], [1, 0], Math.sqrt(0.5 * (0.5 * Math.log2(0.5 / 0.75) + 0.5) + 0.5 * Math.log2(1 / 0.75))],
  ];
  for (const [what, p, q, expected] of cases) {
    test(`is ${expected.toFixed(6)} for ${what}`, () => close(jensenShannon(p, q), expected));
  }

  test('equals sqrt(H(M) − (H(P) + H(Q)) / 2) on random distributions, and is symmetric', () => {
    const random = mulberry32(13);
    for (let trial = 0; trial < 200; trial++) {
      const k = 2 + Math.floor(random() * 20);
      const p = randomDistribution(random, k);
      const q = randomDistribution(random, k);
      const m = p.map((x, i) => (x + q[i]) / 2);
      close(jensenShannon(p, q), Math.sqrt(Math.max(0, entropy(m) - (entropy(p) + entropy(q)) / 2)), 1e-9);
      close(jensenShannon(p, q), jensenShannon(q, p), 1e-12);
    }
  });
});

describe('L-infinity', () => {
  test('is the largest single-bin difference', () => {
    close(lInfinity([0.5, 0.3, 0.2], [0.4, 0.45, 0.15]), 0.15);
    close(lInfinity([1, 0], [0, 1]), 1);
    close(lInfinity([0.25, 0.75], [0.25, 0.75]), 0);
  });

  test('agrees with a direct maximum on random distributions', () => {
    const random = mulberry32(17);
    for (let trial = 0; trial < 100; trial++) {
      const k = 1 + Math.floor(random() * 20);
      const p = randomDistribution(random, k);
      const q = randomDistribution(random, k);
      close(lInfinity(p, q), Math.max(...p.map((x, i) => Math.abs(x - q[i]))));
    }
  });
});

describe('inputs', () => {
  test('every statistic rejects distributions of different lengths or none', () => {
    for (const stat of [psi, binnedKs, jensenShannon, lInfinity]) {
      assert.throws(() => stat([0.5, 0.5], [1]), RangeError);
      assert.throws(() => stat([], []), RangeError);
    }
  });

  test('counts become proportions; no counts become all zeros', () => {
    assert.deepEqual(Array.from(toProportions([1, 3, 0])), [0.25, 0.75, 0]);
    assert.deepEqual(Array.from(toProportions(new Int32Array(3))), [0, 0, 0]);
  });
});
