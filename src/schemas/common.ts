// Schemas shared by every protocol: errors, names, versions, tensor data.
import { z } from 'zod';

export const ErrorSchema = z.object({ error: z.string() }).meta({ id: 'Error', description: 'Every failure has this body' });

/** Model names: a safe path segment (no separators, no leading dot); the repository enforces the same rule. */
export const MODEL_NAME_PATTERN = /^[A-Za-z0-9][A-Za-z0-9_.-]{0,127}$/;
/** Versions: positive integers without leading zeros, as directory names and in URLs. */
export const VERSION_PATTERN = /^[1-9][0-9]{0,9}$/;

export const ModelParamsSchema = z.object({
  model: z.string().regex(MODEL_NAME_PATTERN, 'model names use letters, digits, _ . - (max 128) and start with a letter or digit'),
});
export const VersionParamsSchema = ModelParamsSchema.extend({
  version: z.string().regex(VERSION_PATTERN, 'versions are positive integers'),
});

/**
 * Tensor data: a flat or nested JSON array. NOTE: checked as a whole here and element by element in the
 * codec, once, against the model's datatype; a per-element zod pass would cost as much as JSON.parse.
 */
export const TensorDataSchema = z
  .unknown()
  .refine(Array.isArray, 'data must be an array')
  .meta({
    type: 'array',
    description: 'Row-major tensor elements, flat or nested to match the shape: numbers, true/false (BOOL) or strings (BYTES)',
    items: {},
  } as Record<string, unknown>);

/** Request and tensor parameters: the known keys are typed, anything else passes through. */
export const ParameterValue = z.union([z.string(), z.number(), z.boolean(), z.null(), z.record(z.string(), z.unknown())]);
