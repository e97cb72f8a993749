// Predictions kept for joining late ground truth: bounded by a TTL and a row budget, oldest dropped first.
import { ForgottenIds } from './forgotten-ids.js';
import { HashIndex } from './hash-index.js';

/** A kept prediction as a lookup returns it: a view of the store's arrays at that moment. */
export interface StoredPrediction<Owner> {
  /** The id's 53-bit hash, which is how the store knows it. */
  readonly hash: number;
  readonly owner: Owner;
  /** The predicted class or value per row: a bare number for the common one-row request. */
  readonly predicted: number | Float64Array;
}

export type LookupOutcome = 'matched' | 'unknown' | 'expired' | 'duplicate';

export interface FeedbackStoreOptions {
  ttlMs: number;
  /** Most predicted rows kept across all entries; entries beyond it are dropped oldest first. */
  maxRows: number;
  now?: () => number;
}

/**
 * cyrb53 (bryc, public domain): a 53-bit string hash, so an id costs 8 bytes (kept or forgotten) rather than its text.
 * `seed` keeps ids of different scopes (models) apart without building a joined string for each: hashing a
 * concatenated key cost 320 ns against 86 for the id alone, since V8 flattens the joined string first.
 */
export function hash53(text: string, seed = 0): number {
  let h1 = 0xdeadbeef ^ seed;
  let h2 = 0x41c6ce57 ^ seed;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    h1 = Math.imul(h1 ^ c, 2654435761);
    h2 = Math.imul(h2 ^ c, 1597334677);
  }
  h1 = Math.imul(h1 ^ (h1 >>> 16), 2246822507) ^ Math.imul(h2 ^ (h2 >>> 13), 3266489909);
  h2 = Math.imul(h2 ^ (h2 >>> 16), 2246822507) ^ Math.imul(h1 ^ (h1 >>> 13), 3266489909);
  return 4294967296 * (2097151 & h2) + (h1 >>> 0);
}

/** The seed that keeps one scope's ids (a model's) apart from another's: 32 bits of its name's hash. */
export const scopeSeed = (scope: string): number => hash53(scope) >>> 0;

const rowsIn = (predicted: number | Float64Array): number => (typeof predicted === 'number' ? 1 : predicted.length);

/**
 * Keys are unique: the first prediction under an id is kept (a retried request does not replace it).
 * Ids that expired or were pushed out are remembered as 53-bit hashes, as many as the row budget, so late
 * feedback reads "expired" rather than "unknown".
 *
 * NOTE: everything lives in typed arrays: a ring of entries in arrival order (expiry and the row budget only
 * ever drop the oldest, so live entries stay contiguous) and hash indexes over it, all sized for the whole row
 * budget when the store is made: growing them by doubling, as the store did, copied and re-indexed every entry
 * at once, holding the event loop for 20 ms at 32,768 and at 65,536 entries of a fresh server's first
 * predictions (re-indexing costs a cache miss per entry). No object per prediction
 * means ~80 bytes per row of budget, and nothing for the garbage collector to trace: a full default store
 * (100,000 rows) held ~45 MB of heap objects as a Map, and a full collection took 37 ms instead of 6.
 * Ids are known by their hash alone; two ids colliding among 100,000 kept ones has a chance of about 1 in 10^6,
 * and would read as one prediction.
 */
export class FeedbackStore<Owner> {
  readonly #ttlMs: number;
  readonly #maxRows: number;
  readonly #now: () => number;
  #rows = 0;
  /** The ring: `#count` entries from `#head`, in arrival order, in `#maxRows` places (every entry has a row or more). */
  #head = 0;
  #count = 0;
  #hash = new Float64Array(0);
  #at = new Float64Array(0);
  #value = new Float64Array(0);
  #rowCount = new Uint32Array(0);
  #owner = new Uint32Array(0);
  #labelled = new Uint8Array(0);
  /** Predictions of several rows (rare), by slot; a slot not here has its row's value in `#value`. */
  #values = new Map<number, Float64Array>();
  #index = new HashIndex(0, this.#hash);
  /** Owners by number; a dropped owner's number is never reused, its place emptied. */
  readonly #owners: (Owner | undefined)[] = [];
  readonly #ownerIds = new Map<Owner, number>();
  readonly #forgotten: ForgottenIds;

  constructor(options: FeedbackStoreOptions) {
    if (!(options.ttlMs > 0)) throw new RangeError(`ttlMs must be positive, got ${options.ttlMs}`);
    if (!Number.isInteger(options.maxRows) || options.maxRows < 1) throw new RangeError(`maxRows must be a positive integer, got ${options.maxRows}`);
    this.#ttlMs = options.ttlMs;
    this.#maxRows = options.maxRows;
    this.#now = options.now ?? Date.now;
    this.#forgotten = new ForgottenIds(options.maxRows);
    this.#relayout(() => true);
  }

  get size(): number {
    return this.#count;
  }

  get rows(): number {
    return this.#rows;
  }

  /**
   * Keeps a prediction; false when the key is already kept (in its scope) or the request alone exceeds the row
   * budget. `seed` (scopeSeed) names the scope; keys of different scopes never meet. `now`: the caller's clock
   * reading (ms), when it has one.
   */
  remember(key: string, owner: Owner, predicted: number | Float64Array, seed = 0, now = this.#now()): boolean {
    this.#sweep(now);
    const rows = rowsIn(predicted);
    if (rows === 0 || rows > this.#maxRows) return false;
    const hash = hash53(key, seed);
    if (this.#index.find(hash) !== -1) return false;
    while (this.#rows + rows > this.#maxRows) this.#forgetOldest();
    const slot = (this.#head + this.#count) % this.#maxRows;
    this.#count++;
    this.#rows += rows;
    this.#hash[slot] = hash;
    this.#at[slot] = now;
    this.#rowCount[slot] = rows;
    this.#owner[slot] = this.#ownerId(owner);
    this.#labelled[slot] = 0;
    if (typeof predicted === 'number') this.#value[slot] = predicted;
    else this.#values.set(slot, predicted);
    this.#index.insert(hash, slot);
    return true;
  }

  /** What feedback for `key` would find; `entry` when matched or duplicate. Nothing changes until `markLabelled`. */
  lookup(key: string, seed = 0): { outcome: LookupOutcome; entry?: StoredPrediction<Owner> } {
    this.#sweep(this.#now());
    const hash = hash53(key, seed);
    const slot = this.#index.find(hash);
    if (slot === -1) return { outcome: this.#forgotten.has(hash) ? 'expired' : 'unknown' };
    const entry = { hash, owner: this.#owners[this.#owner[slot]]!, predicted: this.#values.get(slot) ?? this.#value[slot] };
    return { outcome: this.#labelled[slot] === 1 ? 'duplicate' : 'matched', entry };
  }

  /** First label wins: later feedback for the same key reads "duplicate". */
  markLabelled(entry: StoredPrediction<Owner>): void {
    const slot = this.#index.find(entry.hash);
    if (slot !== -1) this.#labelled[slot] = 1;
  }

  /** Forgets every prediction of an owner (a version being unloaded); their ids then read "expired". */
  dropOwner(owner: Owner): void {
    const id = this.#ownerIds.get(owner);
    if (id === undefined) return;
    this.#relayout((slot) => {
      if (this.#owner[slot] !== id) return true;
      this.#rows -= this.#rowCount[slot];
      this.#forgotten.add(this.#hash[slot]);
      return false;
    });
    this.#ownerIds.delete(owner);
    this.#owners[id] = undefined;
  }

  #ownerId(owner: Owner): number {
    let id = this.#ownerIds.get(owner);
    if (id === undefined) {
      id = this.#owners.push(owner) - 1;
      this.#ownerIds.set(owner, id);
    }
    return id;
  }

  /** Entries arrive in time order, so the expired ones are always the oldest. */
  #sweep(now: number): void {
    while (this.#count > 0 && now - this.#at[this.#head] > this.#ttlMs) this.#forgetOldest();
  }

  #forgetOldest(): void {
    const slot = this.#head;
    const hash = this.#hash[slot];
    this.#index.remove(hash);
    this.#rows -= this.#rowCount[slot];
    if (this.#values.size !== 0) this.#values.delete(slot);
    this.#head = (this.#head + 1) % this.#maxRows;
    this.#count--;
    this.#forgotten.add(hash);
  }

  /**
   * Copies the entries `keep` accepts, oldest first, into fresh arrays from slot 0 and re-indexes them: the
   * whole store at once, so only for unloading a version (half of a full default store dropped: 18-30 ms).
   */
  #relayout(keep: (slot: number) => boolean): void {
    const capacity = this.#maxRows;
    // NOTE: decided before the arrays are swapped, since `keep` reads the current ones.
    const kept: number[] = [];
    for (let k = 0; k < this.#count; k++) {
      const slot = (this.#head + k) % capacity;
      if (keep(slot)) kept.push(slot);
    }
    const old = { hash: this.#hash, at: this.#at, value: this.#value, rowCount: this.#rowCount, owner: this.#owner, labelled: this.#labelled, values: this.#values };
    this.#hash = new Float64Array(capacity);
    this.#at = new Float64Array(capacity);
    this.#value = new Float64Array(capacity);
    this.#rowCount = new Uint32Array(capacity);
    this.#owner = new Uint32Array(capacity);
    this.#labelled = new Uint8Array(capacity);
    this.#values = new Map();
    this.#index = new HashIndex(capacity, this.#hash);
    this.#head = 0;
    this.#count = 0;
    for (const from of kept) {
      const to = this.#count++;
      this.#hash[to] = old.hash[from];
      this.#at[to] = old.at[from];
      this.#value[to] = old.value[from];
      this.#rowCount[to] = old.rowCount[from];
      this.#owner[to] = old.owner[from];
      this.#labelled[to] = old.labelled[from];
      const rows = old.values.get(from);
      if (rows !== undefined) this.#values.set(to, rows);
      this.#index.insert(this.#hash[to], to);
    }
  }
}
