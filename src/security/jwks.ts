// JSON Web Key Sets for RS256/ES256 tokens: from a file, or from a URL fetched with a timeout, cached, refetched for a new kid.
import { createPublicKey, type JsonWebKey, type KeyObject } from 'node:crypto';
import { readFileSync } from 'node:fs';
import type { Logger } from 'pino';
import type { JwtAlgorithm } from './jwt.js';

export interface VerificationKey {
  kid?: string;
  alg: Exclude<JwtAlgorithm, 'HS256'>;
  key: KeyObject;
}

const MAX_JWKS_BYTES = 1024 * 1024;
const MIN_RSA_BITS = 2048;

/** The usable signing keys of a JWKS; keys of other kinds are skipped with a reason, private keys refused. */
export function parseJwks(raw: unknown, log: (message: string) => void): VerificationKey[] {
  const keys = (raw as { keys?: unknown } | null)?.keys;
  if (!Array.isArray(keys)) throw new Error('a JWKS is an object with a "keys" array');
  const out: VerificationKey[] = [];
  for (const [i, jwk] of keys.entries()) {
    const k = jwk as Record<string, unknown>;
    const name = typeof k.kid === 'string' ? `key '${k.kid}'` : `key #${i}`;
    if (k.use !== undefined && k.use !== 'sig') continue;
    // NOTE: a published JWKS with private parts is a leak; using it would hide that from the operator.
    if (k.d !== undefined) {
      log(`${name} carries a private key and is ignored: publish only public keys`);
      continue;
    }
    const alg = k.kty === 'RSA' ? 'RS256' : k.kty === 'EC' && k.crv === 'P-256' ? 'ES256' : undefined;
    if (alg === undefined || (k.alg !== undefined && k.alg !== alg)) {
      log(`${name} (${String(k.kty)} ${String(k.alg ?? k.crv ?? '')}) is not an RS256 or ES256 key and is ignored`);
      continue;
    }
    try {
      const key = createPublicKey({ key: k as JsonWebKey, format: 'jwk' });
      if (alg === 'RS256' && (key.asymmetricKeyDetails?.modulusLength ?? 0) < MIN_RSA_BITS) {
        log(`${name} is an RSA key shorter than ${MIN_RSA_BITS} bits and is ignored`);
        continue;
      }
      out.push({ kid: typeof k.kid === 'string' ? k.kid : undefined, alg, key });
    } catch (err) {
      log(`${name} is not a valid JWK and is ignored: ${(err as Error).message}`);
    }
  }
  return out;
}

/** The key for a token: by kid, else the only key of its algorithm; undefined when none fits. */
export function selectKey(keys: readonly VerificationKey[], alg: JwtAlgorithm, kid: string | undefined): VerificationKey | undefined {
  const fitting = keys.filter((k) => k.alg === alg);
  if (kid !== undefined) return fitting.find((k) => k.kid === kid);
  return fitting.length === 1 ? fitting[0] : undefined;
}

export interface KeySource {
  /** Keys for a token; may refetch once (rate-limited) when the kid is new. Throws when no keys can be had at all. */
  find(alg: JwtAlgorithm, kid: string | undefined): Promise<VerificationKey | undefined>;
}

/** A JWKS file, read once at startup: a bad file stops the server. */
export function createJwksFileSource(path: string, logger: Logger): KeySource {
  let raw: unknown;
  try {
    raw = JSON.parse(readFileSync(path, 'utf8'));
  } catch (err) {
    throw new Error(`cannot read the JWKS file '${path}': ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`);
  }
  const keys = parseJwks(raw, (m) => logger.warn({ jwks: path }, m));
  if (keys.length === 0) throw new Error(`the JWKS file '${path}' has no usable RS256 or ES256 key`);
  return { find: async (alg, kid) => selectKey(keys, alg, kid) };
}

export interface JwksUrlOptions {
  url: string;
  timeoutMs: number;
  cacheSeconds: number;
  logger: Logger;
  /** A kid the cached set lacks triggers a refetch at most this often (key rotation without hammering the issuer). */
  minRefreshMs?: number;
  now?: () => number;
}

/** Thrown when no keys could be fetched yet: the token may be fine, so this is a 503, not a 401. */
export class KeysUnavailableError extends Error {}

const isLoopback = (host: string): boolean => host === 'localhost' || host === '[::1]' || /^127\.\d+\.\d+\.\d+$/.test(host);

/** A JWKS URL: https only (plain http on loopback), fetched lazily, cached, stale keys kept when a refetch fails. */
export function createJwksUrlSource(options: JwksUrlOptions): KeySource {
  const url = new URL(options.url);
  if (url.protocol !== 'https:' && !(url.protocol === 'http:' && isLoopback(url.hostname))) {
    throw new Error(`the JWKS URL must use https (a forged key set would let anyone mint tokens): ${url.origin}`);
  }
  const now = options.now ?? Date.now;
  const minRefreshMs = options.minRefreshMs ?? 30_000;
  let keys: VerificationKey[] | undefined;
  let fetchedAt = -Infinity;
  let attemptedAt = -Infinity;
  let inflight: Promise<void> | undefined;

  const fetchKeys = async (): Promise<void> => {
    attemptedAt = now();
    try {
      const res = await fetch(url, { signal: AbortSignal.timeout(options.timeoutMs), redirect: 'error', headers: { accept: 'application/json' } });
      if (res.status !== 200) throw new Error(`status ${res.status}`);
      const text = await res.text();
      if (text.length > MAX_JWKS_BYTES) throw new Error(`larger than ${MAX_JWKS_BYTES} bytes`);
      const fresh = parseJwks(JSON.parse(text), (m) => options.logger.warn({ jwks: url.origin + url.pathname }, m));
      if (fresh.length === 0) throw new Error('no usable RS256 or ES256 key');
      keys = fresh;
      fetchedAt = now();
    } catch (err) {
      const reason = (err as Error).name === 'TimeoutError' ? `no answer within ${options.timeoutMs} ms` : (err as Error).message;
      options.logger.warn({ jwks: url.origin + url.pathname, reason, keptStaleKeys: keys !== undefined }, 'fetching the JWKS failed');
    }
  };
  const refresh = (): Promise<void> => (inflight ??= fetchKeys().finally(() => (inflight = undefined)));

  return {
    async find(alg, kid) {
      const sinceAttempt = now() - attemptedAt;
      if (keys === undefined) {
        // NOTE: at most one fetch a second while the issuer is unreachable, so failing requests don't hammer it.
        if (sinceAttempt >= Math.min(1000, minRefreshMs)) await refresh();
        if (keys === undefined) throw new KeysUnavailableError('the token signing keys cannot be fetched right now');
      } else if (now() - fetchedAt >= options.cacheSeconds * 1000 && sinceAttempt >= Math.min(minRefreshMs, options.cacheSeconds * 1000)) {
        void refresh(); // NOTE: the cached keys serve while fresh ones are fetched
      }
      const found = selectKey(keys, alg, kid);
      if (found !== undefined || now() - attemptedAt < minRefreshMs) return found;
      await refresh();
      return selectKey(keys, alg, kid);
    },
  };
}
