// Predictions kept for joining late ground truth: bounded by a TTL and a row budget, oldest dropped first.

export interface StoredPrediction<Owner> {
  owner: Owner;
  /** The predicted class or value per row: a bare number for the common one-row request. */
  predicted: number | Float64Array;
  at: number;
  labelled: boolean;
}

export type LookupOutcome = 'matched' | 'unknown' | 'expired' | 'duplicate';

export interface FeedbackStoreOptions {
  ttlMs: number;
  /** Most predicted rows kept across all entries; entries beyond it are dropped oldest first. */
  maxRows: number;
  now?: () => number;
}

/** cyrb53 (bryc, public domain): a 53-bit string hash, so forgotten ids cost 8 bytes rather than their text. */
export function hash53(text: string): number {
  let h1 = 0xdeadbeef;
  let h2 = 0x41c6ce57;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    h1 = Math.imul(h1 ^ c, 2654435761);
    h2 = Math.imul(h2 ^ c, 1597334677);
  }
  h1 = Math.imul(h1 ^ (h1 >>> 16), 2246822507) ^ Math.imul(h2 ^ (h2 >>> 13), 3266489909);
  h2 = Math.imul(h2 ^ (h2 >>> 16), 2246822507) ^ Math.imul(h1 ^ (h1 >>> 13), 3266489909);
  return 4294967296 * (2097151 & h2) + (h1 >>> 0);
}

const rowsIn = (predicted: number | Float64Array): number => (typeof predicted === 'number' ? 1 : predicted.length);

/**
 * Keys are unique: the first prediction under an id is kept (a retried request does not replace it).
 * Ids that expired or were pushed out are remembered as 53-bit hashes, as many as the row budget, so late
 * feedback reads "expired" rather than "unknown".
 */
export class FeedbackStore<Owner> {
  readonly #entries = new Map<string, StoredPrediction<Owner>>();
  readonly #forgotten = new Set<number>();
  readonly #ttlMs: number;
  readonly #maxRows: number;
  readonly #now: () => number;
  #rows = 0;

  constructor(options: FeedbackStoreOptions) {
    if (!(options.ttlMs > 0)) throw new RangeError(`ttlMs must be positive, got ${options.ttlMs}`);
    if (!Number.isInteger(options.maxRows) || options.maxRows < 1) throw new RangeError(`maxRows must be a positive integer, got ${options.maxRows}`);
    this.#ttlMs = options.ttlMs;
    this.#maxRows = options.maxRows;
    this.#now = options.now ?? Date.now;
  }

  get size(): number {
    return this.#entries.size;
  }

  get rows(): number {
    return this.#rows;
  }

  /** Keeps a prediction; false when the key is already kept or the request alone exceeds the row budget. */
  remember(key: string, owner: Owner, predicted: number | Float64Array): boolean {
    const now = this.#now();
    this.#sweep(now);
    const rows = rowsIn(predicted);
    if (rows === 0 || rows > this.#maxRows || this.#entries.has(key)) return false;
    // NOTE: reading a character flattens a concatenated string (a generated uuid is a rope of ~15 pieces) in
    // place: ~160 instead of ~600 bytes per kept id.
    key.charCodeAt(0);
    this.#entries.set(key, { owner, predicted, at: now, labelled: false });
    this.#rows += rows;
    while (this.#rows > this.#maxRows) this.#forget(this.#entries.keys().next().value!);
    return true;
  }

  /** What feedback for `key` would find; `entry` when matched or duplicate. Nothing changes until `markLabelled`. */
  lookup(key: string): { outcome: LookupOutcome; entry?: StoredPrediction<Owner> } {
    const now = this.#now();
    this.#sweep(now);
    const entry = this.#entries.get(key);
    if (entry === undefined) return { outcome: this.#forgotten.has(hash53(key)) ? 'expired' : 'unknown' };
    if (entry.labelled) return { outcome: 'duplicate', entry };
    return { outcome: 'matched', entry };
  }

  /** First label wins: later feedback for the same key reads "duplicate". */
  markLabelled(entry: StoredPrediction<Owner>): void {
    entry.labelled = true;
  }

  /** Forgets every prediction of an owner (a version being unloaded); their ids then read "expired". */
  dropOwner(owner: Owner): void {
    for (const [key, entry] of this.#entries) if (entry.owner === owner) this.#forget(key);
  }

  /** Entries are in arrival order, so the expired ones are always at the front. */
  #sweep(now: number): void {
    for (const [key, entry] of this.#entries) {
      if (now - entry.at <= this.#ttlMs) return;
      this.#forget(key);
    }
  }

  #forget(key: string): void {
    const entry = this.#entries.get(key);
    if (entry === undefined) return;
    this.#entries.delete(key);
    this.#rows -= rowsIn(entry.predicted);
    this.#forgotten.add(hash53(key));
    if (this.#forgotten.size > this.#maxRows) this.#forgotten.delete(this.#forgotten.values().next().value!);
  }
}
