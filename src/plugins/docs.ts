// OpenAPI from the same zod schemas that validate requests; Swagger UI at /docs.
import swagger from '@fastify/swagger';
import swaggerUi from '@fastify/swagger-ui';
import type { FastifyInstance } from 'fastify';
import { jsonSchemaTransform, jsonSchemaTransformObject } from 'fastify-type-provider-zod';
import { SERVER_NAME, SERVER_VERSION } from '../version.js';

export async function registerDocs(app: FastifyInstance, serveUi: boolean): Promise<void> {
  await app.register(swagger, {
    openapi: {
      openapi: '3.1.0',
      info: {
        title: SERVER_NAME,
        version: SERVER_VERSION,
        description:
          'Serves versioned ONNX models over the Open Inference Protocol (KServe V2 / Triton HTTP, binary tensor extension included) ' +
          'and KServe V1 / TF-Serving style :predict. Every error body is {"error": "..."}.',
      },
      tags: [
        { name: 'health', description: 'Liveness and readiness for load balancers and Kubernetes' },
        { name: 'models', description: 'Model metadata' },
        { name: 'inference', description: 'Predictions' },
        { name: 'monitoring', description: 'Prometheus metrics' },
      ],
    },
    transform: jsonSchemaTransform,
    transformObject: jsonSchemaTransformObject,
  });
  if (serveUi) await app.register(swaggerUi, { routePrefix: '/docs' });
}
