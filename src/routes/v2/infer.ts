// V2 inference: JSON or binary-framed requests in, JSON or binary-framed responses out.
import { validatorCompiler, type FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import type { FastifySchema, FastifySchemaCompiler } from 'fastify';
import { Readable } from 'node:stream';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { encodeInferResult, HEADER_LENGTH, sliceBinary } from '../../inference/codec/infer-body.js';
import type { InferenceRequest, InferenceResult } from '../../inference/data-plane.js';
import { ErrorSchema, ModelParamsSchema, VersionParamsSchema } from '../../schemas/common.js';
import { plainInferRequest, plainModelParams } from '../../schemas/infer-fast-path.js';
import { InferRequestSchema, InferResponseSchema, type InferRequestBody } from '../../schemas/v2.js';

/**
 * NOTE: with the charset named here Fastify keeps the text as it is; given bare 'application/json' it appends
 * '; charset=utf-8' to every answer, and Node's header check then ran its pattern on the joined (unflattened)
 * string through V8's runtime: 0.5 % of an iris request's CPU under perf.
 */
const JSON_TYPE = 'application/json; charset=utf-8';

/** Binary responses at least this large are streamed from the output buffers; smaller ones are cheaper to concatenate. */
const STREAM_FROM_BYTES = 64 * 1024;

/** NOTE: without a body id the request id (the caller's X-Request-Id, else generated) names the prediction, so both agree. */
function toInferenceRequest(body: InferRequestBody, binary: Buffer, requestId: string, warmup: boolean, model: string, version?: string): InferenceRequest {
  const parts = sliceBinary(binary, body.inputs.map((i) => i.parameters?.binary_data_size));
  const binaryByDefault = body.parameters?.binary_data_output === true;
  return {
    protocol: 'v2',
    model,
    version: version === undefined ? undefined : Number(version),
    id: body.id ?? requestId,
    inputs: body.inputs.map((i, k) => ({ name: i.name, datatype: i.datatype, shape: i.shape, data: i.data, binary: parts[k] })),
    outputs: body.outputs?.map((o) => ({
      name: o.name,
      classification: o.parameters?.classification,
      binary: o.parameters?.binary_data ?? binaryByDefault,
    })),
    binaryOutputs: binaryByDefault,
    // NOTE: Triton's `timeout` parameter is in microseconds.
    timeoutMs: body.parameters?.timeout ? body.parameters.timeout / 1000 : undefined,
    warmup,
  };
}

/** Writes the answer: JSON, or the binary framing when an output asked for it. */
function answer(reply: FastifyReply, result: InferenceResult): void {
  const { json, buffers } = encodeInferResult(result.model, result.version, result.id, result.outputs);
  if (!result.outputs.some((o) => o.binary)) {
    reply.type(JSON_TYPE).send(json);
    return;
  }
  const head = Buffer.from(json);
  // NOTE: tritonclient reads this header with exactly this spelling; Node keeps the case we give.
  reply.header(HEADER_LENGTH, String(head.length)).type('application/octet-stream');
  const total = buffers.reduce((n, b) => n + b.length, head.length);
  if (total < STREAM_FROM_BYTES) reply.send(buffers.length === 0 ? head : Buffer.concat([head, ...buffers], total));
  // NOTE: large outputs are written as they are (views of onnxruntime's buffers), not copied into one body first.
  else reply.header('content-length', String(total)).send(Readable.from([head, ...buffers], { objectMode: false }));
}

export const inferRoutes: FastifyPluginAsyncZod = async (app) => {
  /**
   * NOTE: not an async function: one promise reaction answers. An async handler returning `reply` (Fastify's
   * advice) resolved its promise with a thenable, so V8 looked up and called `reply.then` in an extra job, on top
   * of the handler's own await and Fastify's reaction to the handler's promise: 1 % of an iris request under perf.
   * Fastify catches what this throws synchronously; a rejection reaches the same error handler through send.
   */
  const handle = (request: FastifyRequest, reply: FastifyReply, body: InferRequestBody, model: string, version?: string): void => {
    app.dataPlane.infer(toInferenceRequest(body, request.binaryBody, request.id, request.warmup, model, version)).then(
      (result) => {
        request.servedVersion = result.version;
        try {
          answer(reply, result);
        } catch (err) {
          reply.send(err);
        }
      },
      (err: unknown) => reply.send(err instanceof Error ? err : new Error(String(err))),
    );
  };
  const schema = {
    tags: ['inference'],
    body: InferRequestSchema,
    response: { 200: InferResponseSchema, 400: ErrorSchema, 404: ErrorSchema, 413: ErrorSchema, 503: ErrorSchema, 504: ErrorSchema },
  };
  // NOTE: responses are written by the codec (numeric arrays joined natively); the schema only documents them.
  const passThrough = () => (payload: unknown) => (typeof payload === 'string' ? payload : JSON.stringify(payload));
  // NOTE: bodies and path parameters in the common plain form skip zod (see infer-fast-path.ts); the rest meet zod.
  const validate: FastifySchemaCompiler<FastifySchema> = (route) => {
    const zod = validatorCompiler(route as Parameters<typeof validatorCompiler>[0]);
    // NOTE: decided once per route, not per request, from the schema the fast path stands in for.
    const versioned = route.schema === VersionParamsSchema;
    const plain = route.httpPart === 'body' ? plainInferRequest : route.httpPart === 'params' ? (p: unknown) => plainModelParams(p, versioned) : undefined;
    if (plain === undefined) return zod;
    return (data: unknown) => {
      const value = plain(data);
      return value === undefined ? zod(data) : { value };
    };
  };

  app.post('/v2/models/:model/infer', {
    schema: { ...schema, summary: 'Inference on the version serving unversioned requests', params: ModelParamsSchema },
    config: { protocol: 'v2', access: 'infer' },
    serializerCompiler: passThrough,
    validatorCompiler: validate,
  }, (req, reply) => handle(req, reply, req.body, req.params.model));

  app.post('/v2/models/:model/versions/:version/infer', {
    schema: { ...schema, summary: 'Inference on one model version', params: VersionParamsSchema },
    config: { protocol: 'v2', access: 'infer' },
    serializerCompiler: passThrough,
    validatorCompiler: validate,
  }, (req, reply) => handle(req, reply, req.body, req.params.model, req.params.version));
};
