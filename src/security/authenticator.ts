// Who is calling: an API key (Authorization: Bearer osk_… or X-API-Key) or a JWT bearer token, checked against the configured sources.
import type { IncomingHttpHeaders } from 'node:http';
import type { Logger } from 'pino';
import type { Config } from '../config/schema.js';
import { UnauthenticatedError, UnavailableError, type AuthFailureDetails } from '../errors.js';
import { KEY_PREFIX } from './api-keys.js';
import { createJwksFileSource, createJwksUrlSource, KeysUnavailableError, type KeySource } from './jwks.js';
import { decodeJwt, JwtError, subjectOf } from './jwt.js';
import { KeyStore } from './key-store.js';
import { createTokenVerifier, type TokenVerifier } from './token-verifier.js';

export interface Principal {
  kind: 'api-key' | 'jwt';
  /** The key's name or the token's subject. */
  name: string;
  scopes: ReadonlySet<string>;
}

/** How logs and rate limits name a principal: `key:<name>` or `jwt:<subject>`. */
export const principalLabel = (p: Principal): string => `${p.kind === 'api-key' ? 'key' : 'jwt'}:${p.name}`;

export interface Authenticator {
  /** The caller, or null when the request carries no credentials; throws UnauthenticatedError for bad ones. */
  authenticate(headers: IncomingHttpHeaders): Promise<Principal | null>;
  /** What is accepted, for the startup log (never a secret). */
  readonly methods: string[];
  close(): void;
}

const REALM = 'Bearer realm="onnx-serve"';
const challenge = (error?: string, description?: string): string =>
  error === undefined ? REALM : `${REALM}, error="${error}"${description === undefined ? '' : `, error_description="${description}"`}`;

const refuse = (message: string, error: string, details: AuthFailureDetails): UnauthenticatedError =>
  new UnauthenticatedError(message, challenge(error, message), details);

/** What a client is told for each JWT failure; the rest is "invalid token" (the audit log has the reason). */
const TOLD: Partial<Record<string, string>> = { malformed: 'malformed token', expired: 'token expired', 'not-yet-valid': 'token not yet valid' };

export function createAuthenticator(config: Config, logger: Logger): Authenticator {
  const keys = config.apiKeysFile !== undefined || config.apiKeys !== undefined ? new KeyStore({ file: config.apiKeysFile, inline: config.apiKeys, logger }) : undefined;
  let source: KeySource | undefined;
  if (config.jwtJwks !== undefined) {
    source = /^https?:\/\//i.test(config.jwtJwks)
      ? createJwksUrlSource({ url: config.jwtJwks, timeoutMs: config.jwksTimeoutMs, cacheSeconds: config.jwksCacheSeconds, logger })
      : createJwksFileSource(config.jwtJwks, logger);
  }
  const tokens: TokenVerifier | undefined =
    config.jwtSecret !== undefined || source !== undefined
      ? createTokenVerifier({ secret: config.jwtSecret, keys: source, issuer: config.jwtIssuer, audience: config.jwtAudience ?? '', clockSkewSeconds: config.jwtClockSkewSeconds, scopeClaim: config.jwtScopeClaim })
      : undefined;
  if (keys === undefined && tokens === undefined) throw new Error('authentication needs API keys or a JWT secret or JWKS');

  const checkKey = async (presented: string): Promise<Principal> => {
    const result = keys === undefined ? ({ ok: false, reason: 'api-keys-not-configured' } as const) : await keys.check(presented);
    if (result.ok) return { kind: 'api-key', name: result.key.name, scopes: new Set(result.key.scopes) };
    const details: AuthFailureDetails = { reason: result.reason, credential: 'api-key', claimed: 'name' in result ? result.name : undefined };
    throw refuse(result.reason === 'expired' ? 'API key expired' : 'invalid API key', 'invalid_token', details);
  };

  const checkToken = async (token: string): Promise<Principal> => {
    try {
      if (tokens === undefined) throw new JwtError('unsupported-algorithm');
      const verified = await tokens.verify(token);
      return { kind: 'jwt', name: verified.subject, scopes: new Set(verified.scopes) };
    } catch (err) {
      if (err instanceof KeysUnavailableError) throw new UnavailableError('the token signing keys cannot be fetched right now; retry shortly', 5);
      if (!(err instanceof JwtError)) throw err;
      let claimed: string | undefined;
      try {
        claimed = subjectOf(decodeJwt(token).payload);
      } catch {
        claimed = undefined;
      }
      const reason = tokens === undefined ? 'jwt-not-configured' : err.reason;
      throw refuse(TOLD[reason] ?? 'invalid token', 'invalid_token', { reason, credential: 'jwt', claimed });
    }
  };

  return {
    methods: [
      ...(keys === undefined ? [] : [`API keys (${keys.size})`]),
      ...(config.jwtSecret === undefined ? [] : ['JWT HS256']),
      ...(config.jwtJwks === undefined ? [] : [`JWT RS256/ES256 from ${/^https?:/i.test(config.jwtJwks) ? new URL(config.jwtJwks).origin : 'a JWKS file'}`]),
    ],
    async authenticate(headers) {
      const authorization = headers.authorization;
      const apiKey = headers['x-api-key'];
      if (authorization === undefined && apiKey === undefined) return null;
      if (authorization !== undefined && apiKey !== undefined) {
        throw refuse('send one credential: Authorization or X-API-Key, not both', 'invalid_request', { reason: 'two-credentials', credential: 'none' });
      }
      if (apiKey !== undefined) return checkKey(Array.isArray(apiKey) ? '' : apiKey.trim());
      const bearer = /^Bearer +([^\s]+) *$/i.exec(authorization!);
      if (bearer === null) {
        throw refuse("malformed Authorization header (expected 'Bearer <token or API key>')", 'invalid_request', { reason: 'malformed-header', credential: 'none' });
      }
      return bearer[1].startsWith(KEY_PREFIX) ? checkKey(bearer[1]) : checkToken(bearer[1]);
    },
    close: () => keys?.close(),
  };
}
