// A small bounded cache of verified credentials, keyed by a SHA-256 digest so it never holds a key or token itself.
import { createHash } from 'node:crypto';

export class VerifiedCache<T> {
  readonly #entries = new Map<string, { value: T; until: number }>();

  constructor(
    private readonly max: number,
    private readonly now: () => number = Date.now,
  ) {}

  static digest(credential: string): string {
    return createHash('sha256').update(credential).digest('base64url');
  }

  get(digest: string): T | undefined {
    const hit = this.#entries.get(digest);
    if (hit === undefined) return undefined;
    if (hit.until > this.now()) return hit.value;
    this.#entries.delete(digest);
    return undefined;
  }

  /** Keeps `value` until `until` (ms since the epoch); the oldest entry goes when full. */
  set(digest: string, value: T, until: number): void {
    if (this.#entries.size >= this.max) this.#entries.delete(this.#entries.keys().next().value!);
    this.#entries.set(digest, { value, until });
  }

  clear(): void {
    this.#entries.clear();
  }
}
