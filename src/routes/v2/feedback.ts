// Ground truth for earlier predictions (POST feedback) and the drift/accuracy status of a model (GET monitoring).
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { UnsupportedError } from '../../errors.js';
import { ErrorSchema, ModelParamsSchema } from '../../schemas/common.js';
import { FeedbackRequestSchema, FeedbackResponseSchema, MonitoringStatusSchema } from '../../schemas/monitoring.js';

export const feedbackRoutes: FastifyPluginAsyncZod = async (app) => {
  const monitoring = () => {
    if (app.monitoring === null) throw new UnsupportedError('monitoring is off on this server (--monitoring false)');
    return app.monitoring;
  };

  app.post('/v2/models/:model/feedback', {
    schema: {
      tags: ['monitoring'],
      summary: 'Ground truth for earlier predictions, joined by id; answers per item (first label wins)',
      params: ModelParamsSchema,
      body: FeedbackRequestSchema,
      response: { 200: FeedbackResponseSchema, 400: ErrorSchema, 404: ErrorSchema, 501: ErrorSchema },
    },
    config: { access: 'infer' },
  }, async (req) => {
    const results = monitoring().feedback(req.params.model, req.body.items);
    const counts = { matched: 0, unknown: 0, expired: 0, duplicate: 0, invalid: 0 };
    for (const r of results) counts[r.outcome]++;
    return { results: results.map((r) => ({ ...r, version: r.version === undefined ? undefined : String(r.version) })), counts };
  });

  app.get('/v2/models/:model/monitoring', {
    schema: {
      tags: ['monitoring'],
      summary: 'Drift and live accuracy of each loaded version of a model',
      params: ModelParamsSchema,
      response: { 200: MonitoringStatusSchema, 404: ErrorSchema, 501: ErrorSchema },
    },
    config: { access: 'read' },
  }, async (req) => monitoring().status(req.params.model));
};
