// V2 server metadata, liveness and readiness.
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { ErrorSchema } from '../../schemas/common.js';
import { LiveSchema, ReadySchema, ServerMetadataSchema } from '../../schemas/v2.js';
import { SERVER_NAME, SERVER_VERSION } from '../../version.js';

/** Extensions this server implements, as /v2 lists them. */
export const EXTENSIONS = ['binary_tensor_data', 'classification', 'model_repository', 'statistics'];

export const healthRoutes: FastifyPluginAsyncZod = async (app) => {
  app.get('/v2', {
    schema: { tags: ['health'], summary: 'Server metadata', response: { 200: ServerMetadataSchema } },
    config: { access: 'public' },
  }, async () => ({ name: SERVER_NAME, version: SERVER_VERSION, extensions: EXTENSIONS }));

  app.get('/v2/health/live', {
    schema: { tags: ['health'], summary: 'Liveness: 200 while the process serves HTTP', response: { 200: LiveSchema } },
    config: { access: 'public' },
  }, async () => ({ live: true }));

  app.get('/v2/health/ready', {
    schema: {
      tags: ['health'],
      summary: 'Readiness: 200 once models are loaded and the request path warmed up, until shutdown begins; 503 otherwise',
      response: { 200: ReadySchema, 503: ErrorSchema },
    },
    config: { access: 'public' },
  }, async (request, reply) => {
    const r = app.health.readiness();
    if (!r.ready) {
      // NOTE: not thrown: the error handler hides 5xx messages and logs them as failures, but the reason
      // (loading, draining, strict) is public and a probe answered 503 is not a server fault.
      const error = `not ready: ${r.reason}`;
      request.errorMessage = error;
      return reply.code(503).type('application/json').send({ error });
    }
    const unavailable = r.unavailable.map(({ name, version, reason }) => ({ name, version, reason }));
    return unavailable.length > 0 ? { ready: true, unavailable } : { ready: true };
  });
};
