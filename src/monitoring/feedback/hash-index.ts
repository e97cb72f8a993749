// An open-addressing hash index from 53-bit id hashes to slot numbers, in one Int32Array: no object per entry.

/**
 * Linear probing with backward-shift deletion (no tombstones, so lookups never slow down with churn). The index
 * stores slot numbers; the hash of slot s is read from `hashes[s]`, which the owner keeps current.
 *
 * NOTE: each table entry is a pair, the slot and the hash's low 32 bits, in one cache line: probing, and moving
 * entries back on removal, read the table alone, and `hashes` is read only to confirm a match. A full feedback
 * store does four index operations per prediction, and reading `hashes` for every probed entry is a dependent load each.
 */
export class HashIndex {
  /** Pairs: [slot + 1 (0: empty), low 32 bits of the hash as an int32]. */
  readonly #table: Int32Array;
  readonly #mask: number;

  constructor(
    slots: number,
    private readonly hashes: Float64Array,
  ) {
    let size = 16;
    while (size < slots * 2) size *= 2;
    this.#table = new Int32Array(size * 2);
    this.#mask = size - 1;
  }

  /** NOTE: the low 32 bits of a cyrb53 hash are already well mixed; `| 0` takes them from the double. */
  static #low(hash: number): number {
    return hash | 0;
  }

  /** The table position of `hash`'s entry, or -1. */
  #position(hash: number): number {
    const low = HashIndex.#low(hash);
    const table = this.#table;
    for (let i = low & this.#mask; ; i = (i + 1) & this.#mask) {
      const entry = table[2 * i];
      if (entry === 0) return -1;
      if (table[2 * i + 1] === low && this.hashes[entry - 1] === hash) return i;
    }
  }

  /** The slot holding `hash`, or -1. */
  find(hash: number): number {
    const i = this.#position(hash);
    return i === -1 ? -1 : this.#table[2 * i] - 1;
  }

  /** Adds a slot whose hash (already in `hashes`) is not indexed yet. */
  insert(hash: number, slot: number): void {
    const low = HashIndex.#low(hash);
    const table = this.#table;
    let i = low & this.#mask;
    while (table[2 * i] !== 0) i = (i + 1) & this.#mask;
    table[2 * i] = slot + 1;
    table[2 * i + 1] = low;
  }

  /** Removes `hash` (its slot must still hold it); later entries of its probe run shift back into the gap. */
  remove(hash: number): void {
    const i = this.#position(hash);
    if (i !== -1) this.#removeAt(i);
  }

  /**
   * Removes the entry of `slot`, indexed under `hash`, whatever `hashes[slot]` holds now (the owner may have
   * overwritten it since); no-op when there is none.
   */
  removeSlot(hash: number, slot: number): void {
    const low = HashIndex.#low(hash);
    const table = this.#table;
    for (let i = low & this.#mask; ; i = (i + 1) & this.#mask) {
      const entry = table[2 * i];
      if (entry === 0) return;
      if (entry === slot + 1 && table[2 * i + 1] === low) return this.#removeAt(i);
    }
  }

  clear(): void {
    this.#table.fill(0);
  }

  #removeAt(position: number): void {
    let gap = position;
    const table = this.#table;
    for (let j = (gap + 1) & this.#mask; ; j = (j + 1) & this.#mask) {
      const entry = table[2 * j];
      if (entry === 0) break;
      const home = table[2 * j + 1] & this.#mask;
      // NOTE: the entry at j may fill the gap unless its home lies cyclically in (gap, j].
      const stays = gap <= j ? home > gap && home <= j : home > gap || home <= j;
      if (stays) continue;
      table[2 * gap] = entry;
      table[2 * gap + 1] = table[2 * j + 1];
      gap = j;
    }
    table[2 * gap] = 0;
    table[2 * gap + 1] = 0;
  }
}
