// One structured log line per request: id, route, model, version, status, duration. Never bodies or headers.
import type { FastifyInstance } from 'fastify';

declare module 'fastify' {
  interface FastifyRequest {
    /** The model version that served the request, once the data plane has chosen it. */
    servedVersion?: number;
  }
}

export function registerRequestLog(app: FastifyInstance): void {
  app.addHook('onResponse', async (request, reply) => {
    const params = request.params as { model?: string } | undefined;
    const status = reply.statusCode;
    const line = {
      method: request.method,
      url: request.routeOptions.url ?? request.url.split('?')[0],
      model: params?.model,
      version: request.servedVersion,
      status,
      durationMs: Number(reply.elapsedTime.toFixed(3)),
      error: request.errorMessage,
    };
    if (status >= 500) request.log.error(line, 'request');
    else request.log.info(line, 'request');
  });
}
