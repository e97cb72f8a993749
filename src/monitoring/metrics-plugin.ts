// HTTP side of the metrics: counts and times every route that declares a protocol in its config.
import { CLIENT_CLOSED, type RequestLifecycle } from '../plugins/request-end.js';
import type { ModelRegistry } from '../registry/model-registry.js';
import type { ServerMetrics } from './metrics.js';

declare module 'fastify' {
  interface FastifyContextConfig {
    /** Marks inference routes; their requests are counted and timed per model, version and protocol. */
    protocol?: string;
  }
}

/** Model names from URLs become labels only when the model exists, so a scan of random names adds no series. */
export function registerHttpMetrics(onRequestEnd: (l: RequestLifecycle) => void, metrics: ServerMetrics, models: ModelRegistry): void {
  onRequestEnd({
    onStart(request, _reply, route) {
      if (route.protocol !== undefined && !request.warmup) metrics.requestStarted(route.protocol);
    },
    onEnd(request, reply, aborted, route) {
      const protocol = route.protocol;
      if (protocol === undefined || request.warmup) return;
      const model = (request.params as { model?: string } | undefined)?.model ?? '';
      metrics.requestFinished(
        {
          model: models.has(model) ? model : '_unknown',
          version: request.servedVersion === undefined ? '' : String(request.servedVersion),
          protocol,
          status: String(aborted ? CLIENT_CLOSED : reply.statusCode),
        },
        reply.elapsedTime / 1000,
      );
    },
  });
}
