// Model repository extension: POST /v2/repository/index, /v2/repository/models/{m}/load and /unload.
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { InvalidInputError, UnsupportedError } from '../../errors.js';
import { validateModelConfig, type ModelConfig } from '../../repository/model-config.js';
import { ErrorSchema, ModelParamsSchema } from '../../schemas/common.js';
import {
  LoadRequestSchema, LoadResponseSchema, RepositoryIndexRequestSchema, RepositoryIndexSchema, UnloadRequestSchema, UnloadResponseSchema,
} from '../../schemas/repository.js';

/** Triton's `config` load parameter, here a model.yaml written as JSON. */
function configOverride(parameters: Record<string, unknown> | undefined): ModelConfig | undefined {
  const files = Object.keys(parameters ?? {}).filter((k) => k.startsWith('file:'));
  if (files.length > 0) throw new UnsupportedError('uploading model files through load (file: parameters) is not supported; copy the version directory into the repository');
  const text = parameters?.config;
  if (typeof text !== 'string') return undefined; // NOTE: the schema already refused anything but a string
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch (err) {
    throw new InvalidInputError(`parameters.config is not valid JSON: ${(err as Error).message}`);
  }
  try {
    return validateModelConfig(raw, 'parameters.config');
  } catch (err) {
    throw new InvalidInputError((err as Error).message);
  }
}

export const repositoryRoutes: FastifyPluginAsyncZod = async (app) => {
  const errors = { 400: ErrorSchema, 404: ErrorSchema, 501: ErrorSchema, 503: ErrorSchema };

  app.post('/v2/repository/index', {
    schema: { tags: ['repository'], summary: 'Every model version with its state (READY, UNAVAILABLE, LOADING, UNLOADING) and reason', body: RepositoryIndexRequestSchema, response: { 200: RepositoryIndexSchema, 400: ErrorSchema } },
    config: { access: 'admin' },
  }, async (req) => app.modelControl.index(req.body?.ready === true));

  app.post('/v2/repository/models/:model/load', {
    schema: { tags: ['repository'], summary: 'Load (or reload) a model from the repository now; 400 when no version can serve', params: ModelParamsSchema, body: LoadRequestSchema, response: { 200: LoadResponseSchema, ...errors } },
    config: { access: 'admin' },
  }, async (req) => {
    const result = await app.modelControl.load(req.params.model, configOverride(req.body?.parameters));
    const versions = result.ready.map(String);
    return result.unavailable.length > 0 ? { name: result.name, load: true as const, versions, unavailable: result.unavailable } : { name: result.name, load: true as const, versions };
  });

  app.post('/v2/repository/models/:model/unload', {
    schema: { tags: ['repository'], summary: 'Drain and release every version of a model', params: ModelParamsSchema, body: UnloadRequestSchema, response: { 200: UnloadResponseSchema, ...errors } },
    config: { access: 'admin' },
  }, async (req) => {
    await app.modelControl.unload(req.params.model);
    return { name: req.params.model, unload: true as const };
  });
};
