// Token buckets per client key, in bounded memory: idle buckets are dropped, the least recently used go first when full.
import { isIPv6 } from 'node:net';

export interface RateLimitOptions {
  /** Tokens added per second. */
  ratePerSecond: number;
  /** Bucket size: requests a client may send at once. */
  burst: number;
  /** Most clients tracked at once; beyond it the least recently seen is forgotten. */
  maxClients?: number;
  /** Milliseconds; injectable for tests. */
  now?: () => number;
}

export interface RateLimitDecision {
  allowed: boolean;
  limit: number;
  /** Whole requests left right now. */
  remaining: number;
  /** Seconds until the bucket is full again (RateLimit-Reset). */
  resetSeconds: number;
  /** Seconds until the next request would be allowed (Retry-After); 0 when allowed. */
  retryAfterSeconds: number;
}

interface Bucket {
  tokens: number;
  at: number;
}

export class RateLimiter {
  readonly #buckets = new Map<string, Bucket>();
  readonly #rate: number;
  readonly #burst: number;
  readonly #max: number;
  readonly #now: () => number;
  #sweptAt: number;

  constructor(options: RateLimitOptions) {
    if (!(options.ratePerSecond > 0) || !Number.isFinite(options.ratePerSecond)) throw new Error('ratePerSecond must be a positive number');
    if (!Number.isInteger(options.burst) || options.burst < 1) throw new Error('burst must be a positive integer');
    this.#rate = options.ratePerSecond;
    this.#burst = options.burst;
    this.#max = options.maxClients ?? 100_000;
    if (!Number.isInteger(this.#max) || this.#max < 1) throw new Error('maxClients must be a positive integer');
    this.#now = options.now ?? Date.now;
    this.#sweptAt = this.#now();
  }

  /** Clients tracked right now. */
  get size(): number {
    return this.#buckets.size;
  }

  /** Takes one token for `key` if there is one. */
  take(key: string): RateLimitDecision {
    const now = this.#now();
    this.#sweep(now);
    const bucket = this.#buckets.get(key) ?? { tokens: this.#burst, at: now };
    bucket.tokens = Math.min(this.#burst, bucket.tokens + ((now - bucket.at) / 1000) * this.#rate);
    bucket.at = now;
    const allowed = bucket.tokens >= 1;
    if (allowed) bucket.tokens -= 1;
    // NOTE: re-inserting keeps the Map in least-recently-used order, so eviction drops the stalest client.
    this.#buckets.delete(key);
    this.#buckets.set(key, bucket);
    if (this.#buckets.size > this.#max) this.#buckets.delete(this.#buckets.keys().next().value!);
    return {
      allowed,
      limit: this.#burst,
      remaining: Math.floor(bucket.tokens),
      resetSeconds: Math.ceil((this.#burst - bucket.tokens) / this.#rate),
      retryAfterSeconds: allowed ? 0 : Math.max(1, Math.ceil((1 - bucket.tokens) / this.#rate)),
    };
  }

  /** A bucket untouched long enough to have refilled is the same as no bucket: drop it (at most once per refill period). */
  #sweep(now: number): void {
    const fullAfterMs = (this.#burst / this.#rate) * 1000;
    if (now - this.#sweptAt < Math.max(1000, fullAfterMs)) return;
    this.#sweptAt = now;
    for (const [key, bucket] of this.#buckets) {
      if (now - bucket.at < fullAfterMs) break; // NOTE: LRU order: every later bucket is more recent
      this.#buckets.delete(key);
    }
  }
}

/** The rate-limit key of an anonymous client: its address, or its /64 for IPv6 (one host usually owns a whole /64). */
export function clientKey(ip: string): string {
  const addr = ip.startsWith('::ffff:') && ip.includes('.') ? ip.slice(7) : ip;
  if (!isIPv6(addr)) return `ip:${addr}`;
  const [head, tail = ''] = addr.split('::');
  const left = head === '' ? [] : head.split(':');
  const right = tail === '' ? [] : tail.split(':');
  const groups = addr.includes('::') ? [...left, ...Array<string>(8 - left.length - right.length).fill('0'), ...right] : left;
  return `ip:${groups.slice(0, 4).map((g) => Number.parseInt(g || '0', 16).toString(16)).join(':')}::/64`;
}
