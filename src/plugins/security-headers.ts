// Response headers for an API (OWASP REST guidance): no sniffing, no caching, no framing, no referrer; HSTS over TLS.
import type { FastifyInstance } from 'fastify';

/** NOTE: a route that sets its own Content-Security-Policy or Cache-Control (Swagger UI, its static files) keeps it. */
export function registerSecurityHeaders(app: FastifyInstance, options: { tls: boolean }): void {
  app.addHook('onSend', async (_request, reply) => {
    reply.header('x-content-type-options', 'nosniff');
    reply.header('referrer-policy', 'no-referrer');
    if (!reply.hasHeader('cache-control')) reply.header('cache-control', 'no-store');
    if (!reply.hasHeader('content-security-policy')) {
      reply.header('content-security-policy', "default-src 'none'; frame-ancestors 'none'");
      reply.header('x-frame-options', 'DENY');
    }
    if (options.tls) reply.header('strict-transport-security', 'max-age=31536000');
  });
}
