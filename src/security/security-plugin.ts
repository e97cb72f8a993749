// Authentication, rate limits and authorization for every request, decided in onRequest: before any body is read.
import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { Logger } from 'pino';
import type { Config } from '../config/schema.js';
import { ForbiddenError, TooManyRequestsError, UnauthenticatedError } from '../errors.js';
import { MODEL_NAME_PATTERN } from '../schemas/common.js';
import { isAllowed, requiredScope, type Access, type ModelScopes } from './access.js';
import { audit } from './audit.js';
import { createAuthenticator, principalLabel, type Principal } from './authenticator.js';
import { clientKey, RateLimiter } from './rate-limiter.js';
import { clientCertificate } from './transport.js';

declare module 'fastify' {
  interface FastifyRequest {
    /** The authenticated caller (null when anonymous or when auth is off). */
    principal: Principal | null;
    /** Whether the caller may read this model's metadata (always true when auth is off); list routes filter with it. */
    mayRead(model: string): boolean;
  }
}

/** A request refused by this plugin, for counters: every field is from a small fixed set (never a name or a secret). */
export interface Refusal {
  kind: 'unauthenticated' | 'forbidden' | 'rate_limited';
  /** The audit log's reason (e.g. `bad-signature`, `expired`, `no-credentials`), `insufficient-scope`, or `rate-limit`. */
  reason: string;
}

export interface SecurityOptions {
  config: Config;
  logger: Logger;
  /** Extra scopes a model's model.yaml grants. */
  modelScopes(model: string): ModelScopes | undefined;
  /** Told of every refusal (metrics count them); the audit log has the details. */
  onRefusal?(refusal: Refusal): void;
}

const LOOPBACK = /^(127\.\d+\.\d+\.\d+|::1|localhost)$/;

/** The access a request needs: its route's declaration (undeclared means admin), or undefined for a path with no route. */
function accessOf(request: FastifyRequest, metricsPublic: boolean): Access | undefined {
  if (request.is404) return undefined;
  const access = request.routeOptions.config.access ?? 'admin';
  return access === 'metrics' && metricsPublic ? 'public' : access;
}

export function registerSecurity(app: FastifyInstance, options: SecurityOptions): void {
  const { config } = options;
  const authenticator = config.auth ? createAuthenticator(config, options.logger) : undefined;
  const limiter =
    config.rateLimitPerSecond > 0
      ? new RateLimiter({ ratePerSecond: config.rateLimitPerSecond, burst: config.rateLimitBurst || Math.max(1, Math.ceil(config.rateLimitPerSecond)) })
      : undefined;
  const certificatesPerRoute = config.tlsClientCa !== undefined && config.tlsClientAuth === 'routes';

  app.decorateRequest('principal', null);
  app.decorateRequest('mayRead', function mayRead(this: FastifyRequest, model: string) {
    if (authenticator === undefined) return true;
    return this.principal !== null && isAllowed(this.principal.scopes, 'read', model, options.modelScopes(model));
  });
  app.addHook('onClose', async () => authenticator?.close());
  logSettings(options, authenticator?.methods, limiter !== undefined);
  // NOTE: with nothing to enforce, requests skip the hook entirely (no cost when security is off).
  if (authenticator === undefined && limiter === undefined && !certificatesPerRoute) return;

  /** Audits and counts a refused credential; the caller throws what it returns. */
  const unauthenticated = (request: FastifyRequest, err: UnauthenticatedError): UnauthenticatedError => {
    audit(request, 'auth.failure', { ...err.details, status: 401 });
    options.onRefusal?.({ kind: 'unauthenticated', reason: err.details.reason });
    return err;
  };

  app.addHook('onRequest', async (request, reply) => {
    // NOTE: the startup warm-up's own requests (flagged only on inference routes, by a one-time token).
    if (request.warmup) return;
    const access = accessOf(request, config.metricsPublic);
    if (access === 'public') return;
    const certificate = clientCertificate(request);
    if (certificatesPerRoute && certificate?.authorized !== true) {
      throw unauthenticated(
        request,
        new UnauthenticatedError('this route needs a client certificate signed by the configured CA', 'Bearer realm="onnx-serve"', {
          reason: certificate === undefined ? 'no-certificate' : 'untrusted-certificate',
          credential: 'client-certificate',
          claimed: certificate?.subject,
        }),
      );
    }
    let failure: UnauthenticatedError | undefined;
    try {
      request.principal = authenticator === undefined ? null : await authenticator.authenticate(request.headers);
    } catch (err) {
      if (!(err instanceof UnauthenticatedError)) throw err;
      failure = err;
    }
    if (request.principal !== null) request.log = request.log.child({ principal: principalLabel(request.principal) });

    if (limiter !== undefined) {
      // NOTE: a failed login counts against the address, so guessing keys is rate-limited too.
      const key = request.principal !== null ? principalLabel(request.principal) : certificate?.authorized ? `cert:${certificate.subject}` : clientKey(request.ip);
      const d = limiter.take(key);
      reply.header('ratelimit-limit', String(d.limit)).header('ratelimit-remaining', String(d.remaining)).header('ratelimit-reset', String(d.resetSeconds));
      if (!d.allowed) {
        options.onRefusal?.({ kind: 'rate_limited', reason: 'rate-limit' });
        throw new TooManyRequestsError(`rate limit exceeded: ${d.limit} requests at once, ${config.rateLimitPerSecond} per second; retry in ${d.retryAfterSeconds} s`, d.retryAfterSeconds);
      }
    }
    if (authenticator === undefined) return;
    if (failure !== undefined) throw unauthenticated(request, failure);
    if (request.principal === null) {
      throw unauthenticated(
        request,
        new UnauthenticatedError('credentials required: send Authorization: Bearer <token or API key>, or X-API-Key', 'Bearer realm="onnx-serve"', { reason: 'no-credentials', credential: 'none' }),
      );
    }
    // NOTE: an authenticated caller learns that a path does not exist (404) rather than that it is forbidden.
    if (access === undefined) return;
    if (access === 'read' && request.routeOptions.config.listsModels === true) return;
    const model = (request.params as { model?: unknown } | undefined)?.model;
    // NOTE: a malformed name (rejected with 400 later) can't match a model scope, nor reach a header.
    const name = typeof model === 'string' && MODEL_NAME_PATTERN.test(model) ? model : undefined;
    if (!isAllowed(request.principal.scopes, access, name, name === undefined ? undefined : options.modelScopes(name))) {
      const scope = requiredScope(access, name);
      audit(request, 'access.denied', { required: scope, status: 403 });
      options.onRefusal?.({ kind: 'forbidden', reason: 'insufficient-scope' });
      throw new ForbiddenError(`this credential lacks the scope '${scope}'`, {
        'www-authenticate': `Bearer realm="onnx-serve", error="insufficient_scope", scope="${scope}"`,
      });
    }
  });
}

/** The startup line saying what is enforced (never a secret), and a warning when an open server listens beyond loopback. */
function logSettings({ config, logger }: SecurityOptions, methods: string[] | undefined, limited: boolean): void {
  logger.info(
    {
      audit: true,
      event: 'security.settings',
      auth: methods ?? 'off',
      rateLimit: limited ? `${config.rateLimitPerSecond}/s` : 'off',
      tls: config.tlsCert === undefined ? 'off' : config.tlsClientCa === undefined ? 'on' : `mutual (${config.tlsClientAuth})`,
    },
    'security settings',
  );
  if (methods === undefined && !LOOPBACK.test(config.host)) {
    logger.warn({ host: config.host }, 'auth is off and the server listens beyond this machine: every route, control routes included, is open to anyone who can connect');
  }
}
