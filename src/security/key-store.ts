// The API keys the server accepts: from a file (re-read when it changes) and/or the environment; verified with a small cache.
import { readFileSync, unwatchFile, watchFile, type Stats } from 'node:fs';
import type { Logger } from 'pino';
import { keyId, parseKeys, verifyKey, type StoredKey } from './api-keys.js';
import { VerifiedCache } from './ttl-cache.js';

export interface KeyStoreOptions {
  /** Path of the keys file (`onnx-serve keys create --file`). */
  file?: string;
  /** The same JSON inline (e.g. from a secret in the environment). */
  inline?: string;
  logger: Logger;
  /** How often the file's mtime is checked. */
  pollIntervalMs?: number;
  now?: () => number;
}

/** Why a presented key was refused: `unknown` (no such id), `mismatch` (wrong secret), `expired`. */
export type KeyRefusal = 'unknown' | 'mismatch' | 'expired';
export type KeyCheck = { ok: true; key: StoredKey } | { ok: false; reason: KeyRefusal; name?: string };

/** NOTE: a verified key skips scrypt for a while; the cache is keyed by a digest, never the key, and emptied on reload. */
const CACHE_TTL_MS = 60_000;
const CACHE_MAX = 1024;

export class KeyStore {
  #keys = new Map<string, StoredKey>();
  readonly #cache: VerifiedCache<StoredKey>;
  readonly #opts: KeyStoreOptions;
  readonly #now: () => number;
  #inline: StoredKey[] = [];
  #listener?: (curr: Stats, prev: Stats) => void;

  /** Reads and validates every source now, so a bad file stops the server at startup. */
  constructor(options: KeyStoreOptions) {
    if (options.file === undefined && options.inline === undefined) throw new Error('a key store needs a keys file or inline keys');
    this.#opts = options;
    this.#now = options.now ?? Date.now;
    this.#cache = new VerifiedCache(CACHE_MAX, this.#now);
    if (options.inline !== undefined) this.#inline = parseKeys(options.inline, 'the API keys setting');
    this.#install(options.file === undefined ? [] : this.#readFile(options.file));
    if (options.file !== undefined) this.#watch(options.file);
  }

  get size(): number {
    return this.#keys.size;
  }

  /** Checks a presented key: at most one scrypt, none for a string that is not a known key id. */
  async check(presented: string): Promise<KeyCheck> {
    const id = keyId(presented);
    const stored = id === null ? undefined : this.#keys.get(id);
    if (stored === undefined) return { ok: false, reason: 'unknown' };
    if (stored.expires !== undefined && Date.parse(stored.expires) <= this.#now()) return { ok: false, reason: 'expired', name: stored.name };
    const digest = VerifiedCache.digest(presented);
    if (this.#cache.get(digest) === stored) return { ok: true, key: stored };
    if (!(await verifyKey(presented, stored.hash))) return { ok: false, reason: 'mismatch', name: stored.name };
    this.#cache.set(digest, stored, this.#now() + CACHE_TTL_MS);
    return { ok: true, key: stored };
  }

  close(): void {
    if (this.#opts.file !== undefined && this.#listener !== undefined) unwatchFile(this.#opts.file, this.#listener);
  }

  #readFile(file: string): StoredKey[] {
    let text: string;
    try {
      text = readFileSync(file, 'utf8');
    } catch (err) {
      throw new Error(`cannot read the API keys file '${file}': ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`);
    }
    return parseKeys(text, `the API keys file '${file}'`);
  }

  #install(fromFile: StoredKey[]): void {
    const keys = new Map<string, StoredKey>();
    for (const key of [...this.#inline, ...fromFile]) {
      if (keys.has(key.id)) throw new Error(`the API key id '${key.id}' appears twice (file and inline setting)`);
      keys.set(key.id, key);
    }
    this.#keys = keys;
    this.#cache.clear();
  }

  /** NOTE: polling (not fs.watch) survives editors and Kubernetes secret updates that replace the file. */
  #watch(file: string): void {
    this.#listener = (curr, prev) => {
      if (curr.mtimeMs === prev.mtimeMs && curr.size === prev.size && curr.ino === prev.ino) return;
      try {
        this.#install(this.#readFile(file));
        this.#opts.logger.info({ audit: true, event: 'keys.reloaded', file, keys: this.#keys.size }, 'API keys file reloaded');
      } catch (err) {
        this.#opts.logger.error({ file, reason: (err as Error).message }, 'API keys file rejected; the keys loaded before stay in use');
      }
    };
    watchFile(file, { interval: this.#opts.pollIntervalMs ?? 2000, persistent: false }, this.#listener);
  }
}
