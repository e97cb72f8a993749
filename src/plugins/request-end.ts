// One place that sees every request start and end, including clients that hang up before the answer.
import type { FastifyContextConfig, FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';

/** NOTE: `route` is the route's config, read once per request: `request.routeOptions` builds a new object on every read. */
export interface RequestLifecycle {
  onStart?(request: FastifyRequest, reply: FastifyReply, route: FastifyContextConfig): void;
  /** `aborted`: the client went away before the response was fully written (logged and counted as 499). */
  onEnd(request: FastifyRequest, reply: FastifyReply, aborted: boolean, route: FastifyContextConfig): void;
}

/** Status for a request whose client went away before the response was written (nginx's 499). */
export const CLIENT_CLOSED = 499;

/**
 * NOTE: onResponse never runs when the client hangs up first, and onRequestAbort only while the body is
 * still arriving; the response's 'close' event fires in every case, once, so both logs and metrics use it.
 */
export function registerRequestEnd(app: FastifyInstance): (listener: RequestLifecycle) => void {
  const listeners: RequestLifecycle[] = [];
  app.addHook('onRequest', (request, reply, done) => {
    const route = request.routeOptions.config;
    for (const l of listeners) l.onStart?.(request, reply, route);
    // NOTE: `on`, not `once`: a response emits 'close' once, and once's wrapper and removal cost per request.
    reply.raw.on('close', () => {
      // NOTE: `sent` covers inject(), whose stand-in response never reports writableFinished.
      const aborted = !(reply.sent || reply.raw.writableFinished);
      for (const l of listeners) l.onEnd(request, reply, aborted, route);
    });
    done();
  });
  return (listener) => {
    listeners.push(listener);
  };
}
