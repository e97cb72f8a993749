// Maps one live value to its slot in a distribution (numeric bins, categories, classes) without allocating.

/** Index of the first element of sorted `edges` greater than `value` (= how many edges are ≤ value). */
export function upperBound(edges: ArrayLike<number>, value: number): number {
  let lo = 0;
  let hi = edges.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (edges[mid] <= value) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

/**
 * Numeric slots: 0 below the reference minimum, 1 … edges+1 the reference range cut at `edges`
 * ([min, e0), [e0, e1), …, [eLast, max]), edges+2 above the maximum, edges+3 missing (NaN).
 */
export class NumericBinner {
  readonly slots: number;
  readonly #edges: Float64Array;

  constructor(
    readonly min: number,
    readonly max: number,
    edges: readonly number[],
  ) {
    if (!(min <= max)) throw new RangeError(`numeric range [${min}, ${max}] is empty`);
    for (let i = 0; i < edges.length; i++) {
      if (!(edges[i] > (i === 0 ? min : edges[i - 1])) || edges[i] > max) {
        throw new RangeError('bin edges must increase strictly and lie in (min, max]');
      }
    }
    this.#edges = Float64Array.from(edges);
    this.slots = edges.length + 4;
  }

  get missingSlot(): number {
    return this.slots - 1;
  }

  slot(value: number): number {
    if (value !== value) return this.slots - 1; // NOTE: NaN is the only value unequal to itself
    if (value < this.min) return 0;
    if (value > this.max) return this.slots - 2;
    return 1 + upperBound(this.#edges, value);
  }

  /**
   * Counts `rows` values of a numeric array, `stride` apart from `start`, into `counts[at + slot]`.
   * NOTE: the same as slot() per value, written out so values stay unboxed doubles in one loop: a call per
   * value costs several times the binary search itself.
   */
  countColumn(values: ArrayLike<number>, start: number, stride: number, rows: number, counts: Int32Array | Float64Array, at: number): void {
    const edges = this.#edges;
    const n = edges.length;
    const { min, max } = this;
    const missing = at + this.slots - 1;
    const above = at + this.slots - 2;
    for (let r = 0, i = start; r < rows; r++, i += stride) {
      const v = values[i];
      if (v !== v) counts[missing]++;
      else if (v < min) counts[at]++;
      else if (v > max) counts[above]++;
      else {
        let lo = 0;
        let hi = n;
        while (lo < hi) {
          const mid = (lo + hi) >>> 1;
          if (edges[mid] <= v) lo = mid + 1;
          else hi = mid;
        }
        counts[at + 1 + lo]++;
      }
    }
  }
}

/** Categorical slots: one per reference category, then "other", then missing (NaN or the empty string). */
export class CategoricalBinner {
  readonly slots: number;
  readonly #byString: Map<string, number>;
  readonly #byNumber: Map<number, number>;

  constructor(readonly categories: readonly string[]) {
    this.#byString = new Map(categories.map((c, i) => [c, i]));
    if (this.#byString.size !== categories.length) throw new RangeError('categories must be unique');
    this.#byNumber = new Map();
    categories.forEach((c, i) => {
      const n = Number(c);
      if (c.trim() !== '' && Number.isFinite(n) && String(n) === c) this.#byNumber.set(n, i);
    });
    this.slots = categories.length + 2;
  }

  get otherSlot(): number {
    return this.slots - 2;
  }

  get missingSlot(): number {
    return this.slots - 1;
  }

  slotOfString(value: string): number {
    if (value === '') return this.slots - 1;
    return this.#byString.get(value) ?? this.slots - 2;
  }

  slotOfNumber(value: number): number {
    if (value !== value) return this.slots - 1;
    return this.#byNumber.get(value) ?? this.slots - 2;
  }
}
