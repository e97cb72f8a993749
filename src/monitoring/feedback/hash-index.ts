// An open-addressing hash index from 53-bit id hashes to slot numbers, in one Int32Array: no object per entry.

/**
 * Linear probing with backward-shift deletion (no tombstones, so lookups never slow down with churn). The index
 * stores slot numbers only; the hash of slot s is read from `hashes[s]`, which the owner keeps current.
 */
export class HashIndex {
  readonly #table: Int32Array;
  readonly #mask: number;

  constructor(
    slots: number,
    private readonly hashes: Float64Array,
  ) {
    let size = 16;
    while (size < slots * 2) size *= 2;
    this.#table = new Int32Array(size);
    this.#mask = size - 1;
  }

  /** NOTE: the low 32 bits of a cyrb53 hash are already well mixed; `>>> 0` takes them from the double. */
  #home(hash: number): number {
    return (hash >>> 0) & this.#mask;
  }

  /** The slot holding `hash`, or -1. */
  find(hash: number): number {
    for (let i = this.#home(hash); ; i = (i + 1) & this.#mask) {
      const entry = this.#table[i];
      if (entry === 0) return -1;
      if (this.hashes[entry - 1] === hash) return entry - 1;
    }
  }

  /** Adds a slot whose hash (already in `hashes`) is not indexed yet. */
  insert(hash: number, slot: number): void {
    let i = this.#home(hash);
    while (this.#table[i] !== 0) i = (i + 1) & this.#mask;
    this.#table[i] = slot + 1;
  }

  /** Removes `hash` (its slot must still hold it); later entries of its probe run shift back into the gap. */
  remove(hash: number): void {
    let gap = this.#home(hash);
    for (;;) {
      const entry = this.#table[gap];
      if (entry === 0) return;
      if (this.hashes[entry - 1] === hash) break;
      gap = (gap + 1) & this.#mask;
    }
    for (let j = (gap + 1) & this.#mask; ; j = (j + 1) & this.#mask) {
      const entry = this.#table[j];
      if (entry === 0) break;
      const home = this.#home(this.hashes[entry - 1]);
      // NOTE: the entry at j may fill the gap unless its home lies cyclically in (gap, j].
      const stays = gap <= j ? home > gap && home <= j : home > gap || home <= j;
      if (stays) continue;
      this.#table[gap] = entry;
      gap = j;
    }
    this.#table[gap] = 0;
  }
}
