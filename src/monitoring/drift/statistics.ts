// Drift statistics over binned distributions: PSI, binned KS, Jensen-Shannon distance, L-infinity. Pure functions.

/** Added to every bin before PSI's logarithms so an empty bin gives a large but finite term. */
export const PSI_EPSILON = 1e-4;

/** Live bin counts as proportions (all zeros when there are no counts). */
export function toProportions(counts: ArrayLike<number>): Float64Array {
  let total = 0;
  for (let i = 0; i < counts.length; i++) total += counts[i];
  const out = new Float64Array(counts.length);
  if (total > 0) for (let i = 0; i < counts.length; i++) out[i] = counts[i] / total;
  return out;
}

function checkSameLength(reference: ArrayLike<number>, live: ArrayLike<number>): void {
  if (reference.length !== live.length) throw new RangeError(`distributions differ in length: ${reference.length} vs ${live.length}`);
  if (reference.length === 0) throw new RangeError('distributions are empty');
}

/**
 * Population Stability Index, Σ (q − p) · ln(q / p), on additively smoothed proportions
 * ((x + ε) / (1 + kε)) so bins empty on one side stay finite. Rule of thumb: < 0.1 stable, > 0.25 significant.
 */
export function psi(reference: ArrayLike<number>, live: ArrayLike<number>, epsilon = PSI_EPSILON): number {
  checkSameLength(reference, live);
  const norm = 1 + reference.length * epsilon;
  let sum = 0;
  for (let i = 0; i < reference.length; i++) {
    const p = (reference[i] + epsilon) / norm;
    const q = (live[i] + epsilon) / norm;
    sum += (q - p) * Math.log(q / p);
  }
  return sum;
}

/**
 * Kolmogorov-Smirnov distance on ordered bins: the largest gap between the two cumulative distributions at
 * the bin edges. A lower bound of the exact KS statistic of the underlying samples.
 */
export function binnedKs(reference: ArrayLike<number>, live: ArrayLike<number>): number {
  checkSameLength(reference, live);
  let cdfGap = 0;
  let max = 0;
  for (let i = 0; i < reference.length; i++) {
    cdfGap += live[i] - reference[i];
    max = Math.max(max, Math.abs(cdfGap));
  }
  return Math.min(max, 1);
}

/** Jensen-Shannon distance (square root of the divergence, base 2): 0 for equal distributions, 1 for disjoint ones. */
export function jensenShannon(reference: ArrayLike<number>, live: ArrayLike<number>): number {
  checkSameLength(reference, live);
  let divergence = 0;
  for (let i = 0; i < reference.length; i++) {
    const p = reference[i];
    const q = live[i];
    const m = (p + q) / 2;
    if (p > 0) divergence += 0.5 * p * Math.log2(p / m);
    if (q > 0) divergence += 0.5 * q * Math.log2(q / m);
  }
  // NOTE: rounding can leave a tiny negative divergence for equal inputs; sqrt would make it NaN.
  return Math.sqrt(Math.min(Math.max(divergence, 0), 1));
}

/** L-infinity distance: the largest difference in any one bin's (or category's) proportion. */
export function lInfinity(reference: ArrayLike<number>, live: ArrayLike<number>): number {
  checkSameLength(reference, live);
  let max = 0;
  for (let i = 0; i < reference.length; i++) max = Math.max(max, Math.abs(live[i] - reference[i]));
  return max;
}
