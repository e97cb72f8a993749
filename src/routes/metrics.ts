// GET /metrics: the Prometheus text exposition of the injected registry.
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import type { ServerMetrics } from '../monitoring/metrics.js';

export const metricsRoutes = (metrics: ServerMetrics): FastifyPluginAsyncZod => async (app) => {
  app.get('/metrics', {
    schema: {
      tags: ['monitoring'],
      summary: 'Prometheus metrics (text exposition format)',
      response: { 200: z.string().describe('Prometheus text format 0.0.4') },
    },
    config: { access: 'metrics' },
  }, async (_req, reply) => {
    const body = await metrics.register.metrics();
    return reply.type(metrics.register.contentType).send(body);
  });
};
