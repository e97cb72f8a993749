// Verifies a JWT bearer token end to end: algorithm, key (HS256 secret or JWKS), signature, then claims.
import { JWT_ALGORITHMS, JwtError, checkClaims, decodeJwt, scopesFromClaim, subjectOf, verifySignature, type JwtAlgorithm } from './jwt.js';
import type { KeySource } from './jwks.js';
import { VerifiedCache } from './ttl-cache.js';

/** NOTE: a verified token is trusted again for at most this long (or until its exp): key removal takes effect within it. */
const CACHE_TTL_MS = 60_000;

export interface TokenVerifierOptions {
  /** HS256 shared secret. */
  secret?: string;
  /** RS256/ES256 keys. */
  keys?: KeySource;
  issuer?: string;
  audience: string;
  clockSkewSeconds: number;
  scopeClaim: string;
  /** Milliseconds since the epoch. */
  now?: () => number;
}

export interface VerifiedToken {
  subject: string;
  scopes: string[];
}

export interface TokenVerifier {
  /** Throws JwtError (refused) or KeysUnavailableError (cannot check right now). */
  verify(token: string): Promise<VerifiedToken>;
}

export function createTokenVerifier(options: TokenVerifierOptions): TokenVerifier {
  if (options.secret === undefined && options.keys === undefined) throw new Error('a token verifier needs an HS256 secret or a JWKS');
  if (options.audience === '') throw new Error('a token verifier needs an audience to check');
  const secret = options.secret === undefined ? undefined : Buffer.from(options.secret);
  const now = options.now ?? Date.now;
  // NOTE: the algorithm comes from the token, so only those with a configured key are accepted: never `none`,
  // and never an HS256 token checked with a public key as its secret.
  const accepted = new Set<JwtAlgorithm>(JWT_ALGORITHMS.filter((alg) => (alg === 'HS256' ? secret !== undefined : options.keys !== undefined)));

  const cache = new VerifiedCache<{ verified: VerifiedToken; exp: number }>(4096, now);

  return {
    async verify(token) {
      const digest = VerifiedCache.digest(token);
      const cached = cache.get(digest);
      if (cached !== undefined && now() / 1000 < cached.exp + options.clockSkewSeconds) return cached.verified;
      const decoded = decodeJwt(token);
      const alg = decoded.header.alg as JwtAlgorithm;
      if (!accepted.has(alg)) throw new JwtError('unsupported-algorithm');
      const key = alg === 'HS256' ? secret : (await options.keys!.find(alg, decoded.header.kid))?.key;
      if (key === undefined) throw new JwtError('unknown-key');
      if (!verifySignature(decoded, alg, key)) throw new JwtError('bad-signature');
      checkClaims(decoded.payload, { issuer: options.issuer, audience: options.audience, clockSkewSeconds: options.clockSkewSeconds, now: now() / 1000 });
      const verified = { subject: subjectOf(decoded.payload), scopes: scopesFromClaim(decoded.payload[options.scopeClaim]) };
      cache.set(digest, { verified, exp: decoded.payload.exp as number }, now() + CACHE_TTL_MS);
      return verified;
    },
  };
}
