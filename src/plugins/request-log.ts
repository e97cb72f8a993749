// One structured log line per request: id, route, model, version, status, duration. Never bodies or headers.
import type { FastifyRequest } from 'fastify';
import { CLIENT_CLOSED, type RequestLifecycle } from './request-end.js';

declare module 'fastify' {
  interface FastifyRequest {
    /** The model version that served the request, once the data plane has chosen it. */
    servedVersion?: number;
  }
}

/** Route pattern without the regex parts of parameters, e.g. /v1/models/:model::predict. */
export const routePattern = (request: FastifyRequest): string =>
  request.routeOptions.url?.replace(/\(\^[^)]*\)/g, '') ?? request.url.split('?')[0];

/**
 * NOTE: with `everyRequest` off only failures (status ≥ 400, aborted included) are logged: at 10k requests/s a
 * line per request took about a quarter of the event loop's time (serialising, redaction, write), see README.
 */
export function registerRequestLog(onRequestEnd: (l: RequestLifecycle) => void, everyRequest: boolean): void {
  onRequestEnd({
    onEnd(request, reply, aborted) {
      const status = aborted ? CLIENT_CLOSED : reply.statusCode;
      // NOTE: the warm-up reports its answers in one line of its own (server.ts).
      if ((status < 400 && !everyRequest) || request.warmup) return;
      const line = {
        method: request.method,
        url: routePattern(request),
        model: (request.params as { model?: string } | undefined)?.model,
        version: request.servedVersion,
        status,
        durationMs: Number(reply.elapsedTime.toFixed(3)),
        error: aborted ? 'client closed the connection before the response was written' : request.errorMessage,
      };
      // NOTE: 503 is an expected answer (not ready, overloaded), not a server fault.
      if (status >= 500 && status !== 503) request.log.error(line, 'request');
      else if (status === 503) request.log.warn(line, 'request');
      else request.log.info(line, 'request');
    },
  });
}
