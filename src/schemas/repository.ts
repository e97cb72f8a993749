// Model repository and statistics extension bodies (Triton / Open Inference Protocol REST).
import { z } from 'zod';
import { ParameterValue } from './common.js';

const STATES = ['READY', 'UNAVAILABLE', 'LOADING', 'UNLOADING'] as const;

// NOTE: tritonclient sends these POSTs with an empty body, which arrives as null or undefined.
export const RepositoryIndexRequestSchema = z
  .object({ ready: z.boolean().optional().describe('Only list versions that are READY') })
  .nullish()
  .meta({ id: 'RepositoryIndexRequest' });

export const RepositoryIndexSchema = z
  .array(
    z.object({
      name: z.string(),
      version: z.string().describe('Empty for a model with no version loaded'),
      state: z.enum(STATES),
      reason: z.string().describe('Why the version is not READY (or why a changed copy was refused while it kept serving)'),
    }),
  )
  .meta({ id: 'RepositoryIndex' });

export const LoadRequestSchema = z
  .object({
    parameters: z
      .object({
        config: z.string().optional().describe("A model.yaml as a JSON string, used instead of the model's model.yaml until the next load without one"),
      })
      .catchall(ParameterValue)
      .optional(),
  })
  .nullish()
  .meta({ id: 'RepositoryLoadRequest' });

export const LoadResponseSchema = z
  .object({
    name: z.string(),
    load: z.literal(true),
    versions: z.array(z.string()).describe('READY versions after the load'),
    unavailable: z.array(z.object({ version: z.string(), reason: z.string() })).optional().describe('Versions that failed to load; the others serve'),
  })
  .meta({ id: 'RepositoryLoadResponse' });

export const UnloadRequestSchema = z
  .object({
    parameters: z
      .object({ unload_dependents: z.boolean().optional().describe('Accepted for tritonclient; models here have no dependents') })
      .catchall(ParameterValue)
      .optional(),
  })
  .nullish()
  .meta({ id: 'RepositoryUnloadRequest' });

export const UnloadResponseSchema = z.object({ name: z.string(), unload: z.literal(true) }).meta({ id: 'RepositoryUnloadResponse' });

const Duration = z.object({ count: z.int(), ns: z.int() });

export const ModelStatsSchema = z
  .object({
    model_stats: z.array(
      z.object({
        name: z.string(),
        version: z.string(),
        last_inference: z.int().describe('Milliseconds since the epoch of the last successful inference (0: none)'),
        inference_count: z.int().describe('Successful inferences, every row of a batched request counted'),
        execution_count: z.int().describe('Model executions; a batcher merges several requests into one'),
        inference_stats: z.object({
          success: Duration, fail: Duration, queue: Duration, compute_input: Duration,
          compute_infer: Duration, compute_output: Duration, cache_hit: Duration, cache_miss: Duration,
        }),
        response_stats: z.record(z.string(), z.unknown()),
        batch_stats: z.array(z.object({ batch_size: z.int(), compute_input: Duration, compute_infer: Duration, compute_output: Duration })),
        memory_usage: z.array(z.unknown()),
      }),
    ),
  })
  .meta({ id: 'ModelStatistics' });
