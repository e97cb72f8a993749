// JWT (JWS compact) checks with node:crypto: HS256, RS256, ES256 signatures and the iss/aud/exp/nbf claims. Pure.
import { createHmac, timingSafeEqual, verify, type KeyObject } from 'node:crypto';

export type JwtAlgorithm = 'HS256' | 'RS256' | 'ES256';
export const JWT_ALGORITHMS: readonly JwtAlgorithm[] = ['HS256', 'RS256', 'ES256'];

/**
 * Why a token was refused. Only `malformed`, `expired` and `not-yet-valid` are told to the client; the
 * others answer "invalid token" and are named in the audit log, where the operator can see them.
 */
export type JwtFailure =
  | 'malformed'
  | 'unsupported-algorithm'
  | 'unknown-key'
  | 'bad-signature'
  | 'expired'
  | 'not-yet-valid'
  | 'no-expiry'
  | 'wrong-issuer'
  | 'wrong-audience';

export class JwtError extends Error {
  constructor(readonly reason: JwtFailure) {
    super(reason);
  }
}

export interface DecodedJwt {
  header: { alg: string; kid?: string; [k: string]: unknown };
  payload: Record<string, unknown>;
  signingInput: string;
  signature: Buffer;
}

const SEGMENT = /^[A-Za-z0-9_-]+$/;

function parseSegment(segment: string): Record<string, unknown> {
  try {
    const value: unknown = JSON.parse(Buffer.from(segment, 'base64url').toString('utf8'));
    if (typeof value === 'object' && value !== null && !Array.isArray(value)) return value as Record<string, unknown>;
  } catch {
    // NOTE: falls through to the same refusal as a non-object
  }
  throw new JwtError('malformed');
}

/** Splits and decodes a token without trusting anything in it yet. */
export function decodeJwt(token: string): DecodedJwt {
  const parts = token.split('.');
  if (parts.length !== 3 || !parts.every((p) => SEGMENT.test(p)) || token.length > 16_384) throw new JwtError('malformed');
  const header = parseSegment(parts[0]);
  const payload = parseSegment(parts[1]);
  if (typeof header.alg !== 'string' || (header.kid !== undefined && typeof header.kid !== 'string')) throw new JwtError('malformed');
  // NOTE: RFC 7515 §4.1.11: a token with extensions we do not understand must be refused.
  if (header.crit !== undefined) throw new JwtError('unsupported-algorithm');
  return { header: header as DecodedJwt['header'], payload, signingInput: `${parts[0]}.${parts[1]}`, signature: Buffer.from(parts[2], 'base64url') };
}

/** Checks the signature with a key of the algorithm's own kind (an RSA key never verifies an HS256 token). */
export function verifySignature(token: DecodedJwt, alg: JwtAlgorithm, key: KeyObject | Buffer): boolean {
  const data = Buffer.from(token.signingInput);
  if (alg === 'HS256') {
    if (!Buffer.isBuffer(key)) return false;
    const expected = createHmac('sha256', key).update(data).digest();
    return expected.length === token.signature.length && timingSafeEqual(expected, token.signature);
  }
  if (Buffer.isBuffer(key) || key.type !== 'public') return false;
  if (alg === 'RS256') return key.asymmetricKeyType === 'rsa' && verify('sha256', data, key, token.signature);
  return (
    key.asymmetricKeyType === 'ec' &&
    key.asymmetricKeyDetails?.namedCurve === 'prime256v1' &&
    token.signature.length === 64 &&
    verify('sha256', data, { key, dsaEncoding: 'ieee-p1363' }, token.signature)
  );
}

export interface ClaimRules {
  issuer?: string;
  audience: string;
  clockSkewSeconds: number;
  /** Seconds since the epoch. */
  now: number;
}

const numeric = (v: unknown): number | undefined => (typeof v === 'number' && Number.isFinite(v) ? v : undefined);

/** exp is required (a token must not live forever); nbf, iss and aud are checked as RFC 7519 says. */
export function checkClaims(payload: Record<string, unknown>, rules: ClaimRules): void {
  const exp = numeric(payload.exp);
  if (payload.exp !== undefined && exp === undefined) throw new JwtError('malformed');
  if (exp === undefined) throw new JwtError('no-expiry');
  if (rules.now >= exp + rules.clockSkewSeconds) throw new JwtError('expired');
  const nbf = numeric(payload.nbf);
  if (payload.nbf !== undefined && nbf === undefined) throw new JwtError('malformed');
  if (nbf !== undefined && rules.now + rules.clockSkewSeconds < nbf) throw new JwtError('not-yet-valid');
  if (rules.issuer !== undefined && payload.iss !== rules.issuer) throw new JwtError('wrong-issuer');
  const aud = Array.isArray(payload.aud) ? payload.aud : [payload.aud];
  if (!aud.includes(rules.audience)) throw new JwtError('wrong-audience');
}

/** The scopes a claim carries: a space-separated string (RFC 8693 `scope`) or an array of strings (`scp`, `roles`). */
export function scopesFromClaim(value: unknown): string[] {
  if (typeof value === 'string') return value.split(' ').filter((s) => s !== '');
  if (Array.isArray(value)) return value.filter((s): s is string => typeof s === 'string' && s !== '');
  return [];
}

/** Who the token speaks for: `sub`, else the client it was issued to. */
export function subjectOf(payload: Record<string, unknown>): string {
  for (const claim of ['sub', 'client_id', 'azp']) {
    const v = payload[claim];
    if (typeof v === 'string' && v !== '') return v.slice(0, 256);
  }
  return '(no subject)';
}
