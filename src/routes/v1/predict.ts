// KServe V1 / TF-Serving style: POST /v1/models/{m}[/versions/{v}]:predict and GET /v1/models/{m}.
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { ModelNotFoundError } from '../../errors.js';
import type { VersionState } from '../../registry/model-version.js';
import { ErrorSchema, ModelParamsSchema, VersionParamsSchema } from '../../schemas/common.js';
import { ModelListSchema } from '../../schemas/v2.js';
import { PredictRequestSchema, PredictResponseSchema, V1ModelStatusSchema, type PredictRequestBody } from '../../schemas/v1.js';
import { fromColumns, fromInstances, toColumns, toPredictions } from './translate.js';

const TF_STATE: Record<VersionState, 'LOADING' | 'AVAILABLE' | 'UNLOADING' | 'END'> = {
  LOADING: 'LOADING', READY: 'AVAILABLE', UNLOADING: 'UNLOADING', UNAVAILABLE: 'END',
};

export const predictRoutes: FastifyPluginAsyncZod = async (app) => {
  // NOTE: V1 bodies have no id; the request id (X-Request-Id, echoed in the response header) names the prediction for feedback.
  const predict = async (body: PredictRequestBody, id: string, model: string, version?: string) => {
    // NOTE: the version is pinned from the metadata lookup so a concurrent swap can't change the signature.
    const target = app.dataPlane.describe(model, version === undefined ? undefined : Number(version));
    const specs = target.signature.inputs;
    const inputs = body.instances !== undefined ? fromInstances(specs, body.instances) : fromColumns(specs, body.inputs);
    const result = await app.dataPlane.infer({ protocol: 'v1', model, version: target.version, id, inputs });
    return { result, answer: body.instances !== undefined ? { predictions: toPredictions(result.outputs, body.instances.length) } : { outputs: toColumns(result.outputs) } };
  };
  const schema = { tags: ['inference'], body: PredictRequestSchema, response: { 200: PredictResponseSchema, 400: ErrorSchema, 404: ErrorSchema, 503: ErrorSchema, 504: ErrorSchema } };

  // NOTE: a regex parameter ends the name at ':' so that '::predict' is the literal suffix ':predict'.
  app.post('/v1/models/:model(^[A-Za-z0-9][A-Za-z0-9_.-]*)::predict', {
    schema: { ...schema, summary: 'Predict with the version serving unversioned requests', params: ModelParamsSchema },
    config: { protocol: 'v1', access: 'infer' },
  }, async (req) => {
    const { result, answer } = await predict(req.body, req.id, req.params.model);
    req.servedVersion = result.version;
    return answer;
  });

  app.post('/v1/models/:model/versions/:version(^[0-9]+)::predict', {
    schema: { ...schema, summary: 'Predict with one model version', params: VersionParamsSchema },
    config: { protocol: 'v1', access: 'infer' },
  }, async (req) => {
    const { result, answer } = await predict(req.body, req.id, req.params.model, req.params.version);
    req.servedVersion = result.version;
    return answer;
  });

  app.get('/v1/models', {
    schema: { tags: ['models'], summary: 'Model names the caller may read (KServe V1)', response: { 200: ModelListSchema } },
    config: { access: 'read', listsModels: true },
  }, async (req) => ({ models: app.dataPlane.registry.names().filter((m) => req.mayRead(m)) }));

  app.get('/v1/models/:model', {
    schema: { tags: ['models'], summary: 'Model status (KServe V1 and TF-Serving fields)', params: ModelParamsSchema, response: { 200: V1ModelStatusSchema, 404: ErrorSchema } },
    config: { access: 'read' },
  }, async (req) => {
    const { model } = req.params;
    if (!app.dataPlane.registry.has(model)) throw new ModelNotFoundError(model);
    const versions = app.dataPlane.registry.index().filter((e) => e.name === model && e.version !== '');
    return {
      name: model,
      ready: versions.some((v) => v.state === 'READY'),
      model_version_status: versions.map((v) => ({
        version: v.version,
        state: TF_STATE[v.state],
        status: { error_code: v.state === 'UNAVAILABLE' ? 'UNKNOWN' : 'OK', error_message: v.reason },
      })),
    };
  });
};
