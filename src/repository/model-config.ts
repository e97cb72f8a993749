// model.yaml: per-model settings (version policy, labels, ...), validated strictly so typos fail loudly.
import { readFile } from 'node:fs/promises';
import { parse as parseYaml } from 'yaml';
import { z } from 'zod';
import { ScopeSchema } from '../security/access.js';
import { MonitoringConfigSchema } from './monitoring-config.js';

const positive = z.int().min(1);

/** Which versions to serve, as in Triton and TF Serving. */
export const VersionPolicySchema = z.union([
  z.literal('all'),
  z.object({ all: z.union([z.literal(true), z.object({}).strict()]) }).strict(),
  z.object({ latest: positive.describe('Serve the N newest versions that load') }).strict(),
  z.object({ specific: z.array(positive).min(1).describe('Serve exactly these versions') }).strict(),
]);
export type VersionPolicy = z.infer<typeof VersionPolicySchema>;

/** Extra scopes that grant access to this model, e.g. an identity provider's existing roles (see src/security/access.ts). */
export const ModelScopesSchema = z
  .object({
    infer: z.array(ScopeSchema).default([]).describe('Holders of any of these scopes may infer with this model (and read its metadata)'),
    read: z.array(ScopeSchema).default([]).describe("Holders of any of these scopes may read this model's metadata"),
  })
  .strict();

/** Dynamic batching and queueing for every version of the model; unset fields take the server's defaults. */
export const BatchingSchema = z
  .object({
    maxBatchSize: z.int().min(1).max(4096).optional().describe('Most rows merged into one run (1 turns merging off); a larger request runs alone'),
    maxQueueDelayMs: z.number().min(0).max(10_000).optional()
      .describe('How long a batch may wait for more requests; 0 merges only what arrived while the previous run was busy'),
    preferredBatchSizes: z.array(z.int().min(1)).max(32).optional().describe('Batch sizes to form when the queue holds more than one of them'),
    maxQueueSize: z.int().min(1).max(1_000_000).optional().describe('Requests that may wait per version; more get 503 with Retry-After'),
    timeoutMs: z.number().positive().max(3_600_000).optional().describe('Longest a request may wait and run; a shorter protocol timeout wins'),
  })
  .strict()
  .refine((b) => b.preferredBatchSizes === undefined || b.maxBatchSize === undefined || b.preferredBatchSizes.every((p) => p <= b.maxBatchSize!), {
    message: 'preferredBatchSizes must not exceed maxBatchSize',
  });
export type BatchingConfig = z.infer<typeof BatchingSchema>;

export const ModelConfigSchema = z
  .object({
    description: z.string().optional(),
    versionPolicy: VersionPolicySchema.default({ latest: 1 }),
    labels: z.array(z.string().min(1)).optional().describe('Class names, by index, for the classification extension'),
    outputs: z
      .record(z.string(), z.object({ labels: z.array(z.string().min(1)) }).strict())
      .optional()
      .describe('Per-output class names when outputs differ'),
    warmup: z.boolean().default(true).describe('Run the version once with zeros before it takes traffic'),
    scopes: ModelScopesSchema.optional().describe('Scopes granting access to this model besides infer:<name> and read:<name>'),
    monitoring: MonitoringConfigSchema.prefault({}).describe('Drift and accuracy monitoring (see monitoring-config.ts)'),
    batching: BatchingSchema.default({}).describe('Dynamic batching, queue bound and timeout (server defaults otherwise)'),
  })
  .strict();
export type ModelConfig = z.infer<typeof ModelConfigSchema>;

export const DEFAULT_MODEL_CONFIG: ModelConfig = ModelConfigSchema.parse({});

/** Validates model.yaml's text (null: no file, the defaults). Throws with a readable reason. */
export function parseModelConfig(text: string | null): ModelConfig {
  if (text === null) return DEFAULT_MODEL_CONFIG;
  let raw: unknown;
  try {
    raw = parseYaml(text) ?? {};
  } catch (err) {
    throw new Error(`model.yaml is not valid YAML: ${(err as Error).message.split('\n')[0]}`);
  }
  return validateModelConfig(raw, 'model.yaml');
}

/** Checks a parsed config object (model.yaml, or a load request's override) against the schema. */
export function validateModelConfig(raw: unknown, what: string): ModelConfig {
  const result = ModelConfigSchema.safeParse(raw);
  if (!result.success) {
    const issues = result.error.issues.map((i) => `${i.path.join('.') || '(root)'}: ${i.message}`);
    throw new Error(`${what} is invalid: ${issues.join('; ')}`);
  }
  return result.data;
}

/** Reads and validates model.yaml; a missing file means the defaults. Throws with a readable reason. */
export async function readModelConfig(path: string): Promise<ModelConfig> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return DEFAULT_MODEL_CONFIG;
    throw new Error(`cannot read model.yaml: ${(err as Error).message}`);
  }
  return parseModelConfig(text);
}

/** Class labels for one output: its own list, else the model-wide one. */
export function labelsFor(config: ModelConfig, output: string): readonly string[] | undefined {
  return config.outputs?.[output]?.labels ?? config.labels;
}
