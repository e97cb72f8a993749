// Statistics extension: GET /v2/models/stats, /v2/models/{m}/stats, /v2/models/{m}/versions/{v}/stats.
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { ErrorSchema, ModelParamsSchema, VersionParamsSchema } from '../../schemas/common.js';
import { ModelStatsSchema } from '../../schemas/repository.js';

export const statsRoutes: FastifyPluginAsyncZod = async (app) => {
  const response = { 200: ModelStatsSchema, 400: ErrorSchema, 404: ErrorSchema };

  // NOTE: a static path wins over /v2/models/:model in the router, as Triton matches it first: a model named
  // "stats" has no GET metadata route (its /v2/models/stats/... routes work).
  app.get('/v2/models/stats', {
    schema: { tags: ['statistics'], summary: 'Statistics of every loaded model version the caller may read', response },
    config: { access: 'read', listsModels: true },
  }, async (req) => ({ model_stats: app.statistics.report().filter((s) => req.mayRead(s.name)) }));

  app.get('/v2/models/:model/stats', {
    schema: { tags: ['statistics'], summary: "Statistics of a model's loaded versions", params: ModelParamsSchema, response },
    config: { access: 'read' },
  }, async (req) => ({ model_stats: app.statistics.report(req.params.model) }));

  app.get('/v2/models/:model/versions/:version/stats', {
    schema: { tags: ['statistics'], summary: 'Statistics of one model version', params: VersionParamsSchema, response },
    config: { access: 'read' },
  }, async (req) => ({ model_stats: app.statistics.report(req.params.model, Number(req.params.version)) }));
};
