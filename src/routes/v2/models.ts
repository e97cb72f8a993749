// V2 model metadata, model readiness and the model list.
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { ErrorSchema, ModelParamsSchema, VersionParamsSchema } from '../../schemas/common.js';
import { ModelListSchema, ModelMetadataSchema, ModelReadySchema } from '../../schemas/v2.js';

const PLATFORM = 'onnxruntime_onnx';
const errors = { 400: ErrorSchema, 404: ErrorSchema };

export const modelRoutes: FastifyPluginAsyncZod = async (app) => {
  const metadata = (model: string, version?: string) => {
    const d = app.dataPlane.describe(model, version === undefined ? undefined : Number(version));
    return {
      name: d.name,
      versions: (version === undefined ? d.versions : [d.version]).map(String),
      platform: PLATFORM,
      inputs: d.signature.inputs,
      outputs: d.signature.outputs,
    };
  };
  // NOTE: describe() throws 404 for unknown models and 400 (as Triton) for known ones that can't serve.
  const ready = (model: string, version?: string) => {
    app.dataPlane.describe(model, version === undefined ? undefined : Number(version));
    return { name: model, ready: true };
  };

  app.get('/v2/models', {
    schema: { tags: ['models'], summary: 'Names of the models in the repository the caller may read (KServe extension)', response: { 200: ModelListSchema } },
    config: { access: 'read', listsModels: true },
  }, async (req) => ({ models: app.dataPlane.registry.names().filter((m) => req.mayRead(m)) }));

  app.get('/v2/models/:model', {
    schema: { tags: ['models'], summary: 'Model metadata (of the version serving unversioned requests)', params: ModelParamsSchema, response: { 200: ModelMetadataSchema, ...errors } },

    config: { access: 'read' },
  }, async (req) => metadata(req.params.model));

  app.get('/v2/models/:model/versions/:version', {
    schema: { tags: ['models'], summary: 'Model version metadata', params: VersionParamsSchema, response: { 200: ModelMetadataSchema, ...errors } },

    config: { access: 'read' },
  }, async (req) => metadata(req.params.model, req.params.version));

  app.get('/v2/models/:model/ready', {
    schema: { tags: ['health'], summary: 'Model readiness: 200 when a version can serve, 400 when not', params: ModelParamsSchema, response: { 200: ModelReadySchema, ...errors } },

    config: { access: 'public' },
  }, async (req) => ready(req.params.model));

  app.get('/v2/models/:model/versions/:version/ready', {
    schema: { tags: ['health'], summary: 'Model version readiness', params: VersionParamsSchema, response: { 200: ModelReadySchema, ...errors } },

    config: { access: 'public' },
  }, async (req) => ready(req.params.model, req.params.version));
};
