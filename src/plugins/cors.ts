// CORS for browser callers: off unless origins are configured; preflights answered before authentication (browsers send no credentials on them).
import type { FastifyInstance, FastifyReply } from 'fastify';

const ALLOW_HEADERS = 'authorization, x-api-key, content-type, content-encoding, inference-header-content-length, x-request-id';
const EXPOSE_HEADERS = 'x-request-id, inference-header-content-length, retry-after, ratelimit-limit, ratelimit-remaining, ratelimit-reset, www-authenticate';
const METHODS = 'GET, POST, PUT, DELETE';

/** Parses `--cors-origins`: empty (off), `*`, or a comma-separated list of exact origins. */
export function parseOrigins(setting: string): '*' | Set<string> | undefined {
  const origins = setting.split(',').map((o) => o.trim().replace(/\/$/, '')).filter((o) => o !== '');
  if (origins.length === 0) return undefined;
  return origins.includes('*') ? '*' : new Set(origins.map((o) => o.toLowerCase()));
}

export function registerCors(app: FastifyInstance, setting: string): void {
  const allowed = parseOrigins(setting);
  if (allowed === undefined) return;
  const allows = (origin: string | undefined): origin is string => origin !== undefined && (allowed === '*' || allowed.has(origin.toLowerCase()));
  const vary = (reply: FastifyReply) => {
    const current = reply.getHeader('vary');
    if (allowed !== '*') reply.header('vary', current === undefined ? 'Origin' : `${String(current)}, Origin`);
  };

  app.addHook('onRequest', async (request, reply) => {
    const origin = request.headers.origin;
    if (request.method !== 'OPTIONS' || request.headers['access-control-request-method'] === undefined || !allows(origin)) return;
    vary(reply);
    return reply
      .code(204)
      .header('access-control-allow-origin', allowed === '*' ? '*' : origin)
      .header('access-control-allow-methods', METHODS)
      .header('access-control-allow-headers', ALLOW_HEADERS)
      .header('access-control-max-age', '600')
      .send();
  });
  app.addHook('onSend', async (request, reply) => {
    const origin = request.headers.origin;
    if (request.method === 'OPTIONS' || !allows(origin)) return;
    vary(reply);
    reply.header('access-control-allow-origin', allowed === '*' ? '*' : origin).header('access-control-expose-headers', EXPOSE_HEADERS);
  });
}
