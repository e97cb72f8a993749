// Open Inference Protocol (KServe V2 / Triton HTTP) request and response bodies.
import { z } from 'zod';
import { DATATYPES } from '../inference/tensor.js';
import { ParameterValue, TensorDataSchema } from './common.js';

const Shape = z.array(z.int().min(0)).max(32).describe('Whole tensor shape, batch dimension included');

export const InferInputSchema = z.object({
  name: z.string().min(1),
  shape: Shape,
  datatype: z.enum(DATATYPES),
  parameters: z
    .object({ binary_data_size: z.int().min(0).optional().describe('Bytes of this input in the binary part of the body') })
    .catchall(ParameterValue)
    .optional(),
  data: TensorDataSchema.optional(),
});

export const InferRequestedOutputSchema = z.object({
  name: z.string().min(1),
  parameters: z
    .object({
      binary_data: z.boolean().optional().describe('Return this output in the binary part of the response'),
      classification: z.int().min(1).optional().describe('Return the top N classes as "value:index[:label]" strings'),
    })
    .catchall(ParameterValue)
    .optional(),
});

export const InferRequestSchema = z
  .object({
    id: z.string().max(256).optional(),
    parameters: z
      .object({
        binary_data_output: z.boolean().optional().describe('Return every output as binary unless it says otherwise'),
        timeout: z.int().min(0).optional().describe('Deadline in microseconds, as Triton takes it (0: the server default); it can only shorten the server\'s'),
      })
      .catchall(ParameterValue)
      .optional(),
    inputs: z.array(InferInputSchema).min(1),
    outputs: z.array(InferRequestedOutputSchema).optional(),
  })
  .meta({ id: 'InferRequest' });
export type InferRequestBody = z.infer<typeof InferRequestSchema>;

export const InferOutputSchema = z.object({
  name: z.string(),
  shape: z.array(z.int()),
  datatype: z.string(),
  parameters: z.object({ binary_data_size: z.int().optional() }).catchall(ParameterValue).optional(),
  data: z.array(z.unknown()).optional(),
});

export const InferResponseSchema = z
  .object({
    model_name: z.string(),
    model_version: z.string(),
    id: z.string(),
    parameters: z.record(z.string(), ParameterValue).optional(),
    outputs: z.array(InferOutputSchema),
  })
  .meta({ id: 'InferResponse' });

const TensorMetadataSchema = z.object({ name: z.string(), datatype: z.string(), shape: z.array(z.int()) });

export const ModelMetadataSchema = z
  .object({
    name: z.string(),
    versions: z.array(z.string()),
    platform: z.string(),
    inputs: z.array(TensorMetadataSchema),
    outputs: z.array(TensorMetadataSchema),
    parameters: z.record(z.string(), ParameterValue).optional(),
  })
  .meta({ id: 'ModelMetadata' });

export const ServerMetadataSchema = z
  .object({ name: z.string(), version: z.string(), extensions: z.array(z.string()) })
  .meta({ id: 'ServerMetadata' });

export const LiveSchema = z.object({ live: z.boolean() });
export const ReadySchema = z.object({
  ready: z.boolean(),
  unavailable: z
    .array(z.object({ name: z.string(), version: z.string(), reason: z.string() }))
    .optional()
    .describe('Model versions that failed to load (they never take traffic)'),
});
export const ModelReadySchema = z.object({ name: z.string(), ready: z.boolean() });
export const ModelListSchema = z.object({ models: z.array(z.string()) });
