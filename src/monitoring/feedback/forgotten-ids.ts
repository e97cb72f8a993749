// Ids that expired or were pushed out of the feedback store, kept as hashes so late feedback reads "expired".

import { HashIndex } from './hash-index.js';

/**
 * The last `capacity` forgotten hashes, oldest overwritten first (an id forgotten twice holds two places). NOTE:
 * forgetting only writes the ring (and what it overwrote); the index catches up when a lookup needs it. Kept
 * current on every write, it cost three random reads and writes of a table of megabytes per prediction once the
 * store was full, for lookups that only feedback for unknown or expired ids makes.
 */
export class ForgottenIds {
  /** Ring of hashes (-1: empty). */
  readonly #ring: Float64Array;
  /** What each place held before its last write (-1: nothing), for the index to drop when it catches up. */
  readonly #replaced: Float64Array;
  readonly #index: HashIndex;
  #next = 0;
  /** Hashes written in all, and how many of them the index holds. */
  #written = 0;
  #indexed = 0;

  constructor(capacity: number) {
    this.#ring = new Float64Array(capacity).fill(-1);
    this.#replaced = new Float64Array(capacity).fill(-1);
    this.#index = new HashIndex(capacity, this.#ring);
  }

  add(hash: number): void {
    this.#replaced[this.#next] = this.#ring[this.#next];
    this.#ring[this.#next] = hash;
    this.#next = (this.#next + 1) % this.#ring.length;
    this.#written++;
  }

  has(hash: number): boolean {
    this.#catchUp();
    return this.#index.find(hash) !== -1;
  }

  /** Indexes the places written since the last lookup, or rebuilds the index when the ring went round since. */
  #catchUp(): void {
    const n = this.#ring.length;
    const pending = this.#written - this.#indexed;
    if (pending >= n) {
      this.#index.clear();
      for (let place = 0; place < n; place++) if (this.#ring[place] >= 0) this.#index.insert(this.#ring[place], place);
    } else {
      // NOTE: fewer writes than places, so each place was written at most once and `replaced` is what the index holds.
      for (let k = pending; k > 0; k--) {
        const place = (this.#next - k + n) % n;
        if (this.#replaced[place] >= 0) this.#index.removeSlot(this.#replaced[place], place);
        this.#index.insert(this.#ring[place], place);
      }
    }
    this.#indexed = this.#written;
  }
}
