// HTTP side of the metrics: counts and times every route that declares a protocol in its config.
import type { FastifyInstance } from 'fastify';
import type { ModelRegistry } from '../registry/model-registry.js';
import type { ServerMetrics } from './metrics.js';

declare module 'fastify' {
  interface FastifyContextConfig {
    /** Marks inference routes; their requests are counted and timed per model, version and protocol. */
    protocol?: string;
  }
}

/** Model names from URLs become labels only when the model exists, so a scan of random names adds no series. */
export function registerHttpMetrics(app: FastifyInstance, metrics: ServerMetrics, models: ModelRegistry): void {
  app.addHook('onRequest', async (request) => {
    const protocol = request.routeOptions.config.protocol;
    if (protocol !== undefined) metrics.requestStarted(protocol);
  });
  app.addHook('onResponse', async (request, reply) => {
    const protocol = request.routeOptions.config.protocol;
    if (protocol === undefined) return;
    const model = (request.params as { model?: string } | undefined)?.model ?? '';
    metrics.requestFinished(
      {
        model: models.has(model) ? model : '_unknown',
        version: request.servedVersion === undefined ? '' : String(request.servedVersion),
        protocol,
        status: String(reply.statusCode),
      },
      reply.elapsedTime / 1000,
    );
  });
}
