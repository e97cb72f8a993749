// A sliding time window of counters in constant memory: a ring of time buckets, the window being their sum.

export interface WindowOptions {
  /** Number of counters per bucket. */
  slots: number;
  /** Window length in milliseconds. */
  windowMs: number;
  /** Buckets the window is cut into; the oldest is dropped whole, so the window spans (n-1)/n to 1 of its length. */
  buckets: number;
  /** Int32Array for counts, Float64Array for sums of errors. */
  array?: Int32ArrayConstructor | Float64ArrayConstructor;
}

/**
 * `advance(now)` gives the offset of the current bucket in `ring`, where callers count directly (a hot loop
 * must not pay a call per value); `totals(now)` sums the buckets still inside the window, lazily.
 */
export class SlidingWindow {
  readonly slots: number;
  readonly bucketMs: number;
  /** buckets × slots counters; write only at the offset `advance()` returned. */
  readonly ring: Int32Array | Float64Array;
  readonly #buckets: number;
  /** NOTE: float64 even over int32 buckets: a window's sum may pass 2^31 where no bucket does. */
  readonly #totals: Float64Array;
  /** Epoch index (time / bucketMs) of the newest bucket. */
  #head = -Infinity;
  #stale = true;

  constructor(options: WindowOptions) {
    const { slots, windowMs, buckets } = options;
    if (!Number.isInteger(slots) || slots < 1) throw new RangeError(`slots must be a positive integer, got ${slots}`);
    if (!Number.isInteger(buckets) || buckets < 1) throw new RangeError(`buckets must be a positive integer, got ${buckets}`);
    if (!(windowMs >= buckets)) throw new RangeError(`windowMs must be at least one millisecond per bucket, got ${windowMs}`);
    const Array = options.array ?? Int32Array;
    this.slots = slots;
    this.bucketMs = windowMs / buckets;
    this.#buckets = buckets;
    this.ring = new Array(slots * buckets);
    this.#totals = new Float64Array(slots);
  }

  /** Bytes held, whatever the traffic. */
  get bytes(): number {
    return this.ring.byteLength + this.#totals.byteLength;
  }

  /** Moves the window to `now`, zeroing buckets that fell out of it; returns the offset of the current bucket. */
  advance(now: number): number {
    const epoch = Math.floor(now / this.bucketMs);
    if (epoch > this.#head) {
      const stale = Math.min(epoch - this.#head, this.#buckets);
      for (let k = 1; k <= stale; k++) {
        const start = ((epoch - stale + k) % this.#buckets) * this.slots;
        this.ring.fill(0, start, start + this.slots);
      }
      this.#head = epoch;
    }
    this.#stale = true;
    // NOTE: a clock stepping back counts into the newest bucket rather than corrupting older ones.
    return (this.#head % this.#buckets) * this.slots;
  }

  add(now: number, slot: number, amount = 1): void {
    this.ring[this.advance(now) + slot] += amount;
  }

  /**
   * Sums over the window as of `now` (a live view: copy it to keep it). Recomputed from the ring when anything
   * changed, rather than kept by subtraction, so float sums never drift; it costs slots × buckets additions.
   */
  totals(now: number): Float64Array {
    this.advance(now);
    if (this.#stale) {
      this.#totals.fill(0);
      for (let i = 0; i < this.ring.length; i++) this.#totals[i % this.slots] += this.ring[i];
      this.#stale = false;
    }
    return this.#totals;
  }
}
