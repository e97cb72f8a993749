// OpenAPI from the same zod schemas that validate requests; Swagger UI at /docs (public: it describes the API, never a model or a key).
import swagger from '@fastify/swagger';
import swaggerUi from '@fastify/swagger-ui';
import type { FastifyInstance } from 'fastify';
import { jsonSchemaTransform, jsonSchemaTransformObject } from 'fastify-type-provider-zod';
import { ErrorSchema } from '../schemas/common.js';
import { SERVER_NAME, SERVER_VERSION } from '../version.js';

type Transform = typeof jsonSchemaTransform;

/** Routes that need credentials (when auth is on) document the schemes and the 401/403/429 answers. */
const withSecurity: Transform = (input) => {
  const access = (input.route.config as { access?: string } | undefined)?.access ?? 'admin';
  if (access === 'public' || input.schema?.hide === true) return jsonSchemaTransform(input);
  const schema = input.schema ?? {};
  const response = { ...(schema.response as Record<string, unknown> | undefined), 401: ErrorSchema, 403: ErrorSchema, 429: ErrorSchema };
  return jsonSchemaTransform({ ...input, schema: { ...schema, response, security: [{ bearer: [] }, { apiKey: [] }] } });
};

export async function registerDocs(app: FastifyInstance, serveUi: boolean): Promise<void> {
  await app.register(swagger, {
    openapi: {
      openapi: '3.1.0',
      info: {
        title: SERVER_NAME,
        version: SERVER_VERSION,
        description:
          'Serves versioned ONNX models over the Open Inference Protocol (KServe V2 / Triton HTTP, binary tensor extension included) ' +
          'and KServe V1 / TF-Serving style :predict. Every error body is {"error": "..."}. ' +
          'With --auth, every route except health, /v2 and /docs needs an API key or a JWT carrying the scope the route names.',
      },
      tags: [
        { name: 'health', description: 'Liveness and readiness for load balancers and Kubernetes' },
        { name: 'models', description: 'Model metadata' },
        { name: 'inference', description: 'Predictions' },
        { name: 'monitoring', description: 'Prometheus metrics, drift and accuracy monitoring, ground-truth feedback' },
        { name: 'repository', description: 'Model repository extension: index, load, unload' },
        { name: 'statistics', description: 'Statistics extension: per-version counts and durations' },
      ],
      components: {
        securitySchemes: {
          bearer: { type: 'http', scheme: 'bearer', description: 'A JWT, or an API key (osk_…), as a bearer token' },
          apiKey: { type: 'apiKey', in: 'header', name: 'X-API-Key', description: 'An API key from `onnx-serve keys create`' },
        },
      },
    },
    transform: withSecurity,
    transformObject: jsonSchemaTransformObject,
  });
  if (!serveUi) return;
  await app.register(async (docs) => {
    docs.addHook('onRoute', (route) => {
      route.config = { ...route.config, access: 'public' };
    });
    // NOTE: staticCSP gives Swagger UI the script and style sources it needs; every other answer keeps `default-src 'none'`.
    await docs.register(swaggerUi, { routePrefix: '/docs', staticCSP: true });
  });
}
