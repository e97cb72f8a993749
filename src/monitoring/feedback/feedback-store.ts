// Predictions kept for joining late ground truth: bounded by a TTL and a row budget, oldest dropped first.

export interface StoredPrediction<Owner> {
  readonly key: string;
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
 *
 * NOTE: arrival order lives in plain arrays used as queues, never in a Map's iteration order: V8 leaves
 * deleted entries as holes at the front of a Map, so "oldest = first key" costs O(holes) per call.
 */
export class FeedbackStore<Owner> {
  readonly #entries = new Map<string, StoredPrediction<Owner>>();
  /** Entries in arrival order (some already forgotten); `#head` is the oldest still queued. */
  #queue: StoredPrediction<Owner>[] = [];
  #head = 0;
  readonly #forgotten = new Set<number>();
  /** Ring of the forgotten hashes, to drop the oldest when the set is full. */
  readonly #forgottenRing: Float64Array;
  #forgottenNext = 0;
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
    this.#forgottenRing = new Float64Array(options.maxRows).fill(-1);
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
    const entry = { key, owner, predicted, at: now, labelled: false };
    this.#entries.set(key, entry);
    this.#queue.push(entry);
    this.#rows += rows;
    while (this.#rows > this.#maxRows) this.#forget(this.#dequeue()!);
    return true;
  }

  /** What feedback for `key` would find; `entry` when matched or duplicate. Nothing changes until `markLabelled`. */
  lookup(key: string): { outcome: LookupOutcome; entry?: StoredPrediction<Owner> } {
    this.#sweep(this.#now());
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
    for (const entry of [...this.#entries.values()]) if (entry.owner === owner) this.#forget(entry);
  }

  /** Takes the oldest slot off the queue, compacting it now and then (amortised O(1)). */
  #shift(): StoredPrediction<Owner> {
    const entry = this.#queue[this.#head++];
    if (this.#head > 1024 && this.#head * 2 > this.#queue.length) {
      this.#queue = this.#queue.slice(this.#head);
      this.#head = 0;
    }
    return entry;
  }

  /** The oldest entry still kept, taken off the queue; undefined when none. */
  #dequeue(): StoredPrediction<Owner> | undefined {
    while (this.#head < this.#queue.length) {
      const entry = this.#shift();
      if (this.#entries.get(entry.key) === entry) return entry;
    }
    return undefined;
  }

  /** Entries arrive in time order, so the expired ones are always at the front of the queue. */
  #sweep(now: number): void {
    while (this.#head < this.#queue.length) {
      const oldest = this.#queue[this.#head];
      const kept = this.#entries.get(oldest.key) === oldest;
      if (kept && now - oldest.at <= this.#ttlMs) return;
      this.#shift();
      if (kept) this.#forget(oldest);
    }
  }

  #forget(entry: StoredPrediction<Owner>): void {
    if (this.#entries.get(entry.key) !== entry) return;
    this.#entries.delete(entry.key);
    this.#rows -= rowsIn(entry.predicted);
    const hash = hash53(entry.key);
    if (this.#forgotten.has(hash)) return;
    const evicted = this.#forgottenRing[this.#forgottenNext];
    if (evicted >= 0) this.#forgotten.delete(evicted);
    this.#forgottenRing[this.#forgottenNext] = hash;
    this.#forgottenNext = (this.#forgottenNext + 1) % this.#forgottenRing.length;
    this.#forgotten.add(hash);
  }
}
