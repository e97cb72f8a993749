// model.yaml `monitoring:`: how tensors map to features, which outputs are watched, windows and thresholds.
import { z } from 'zod';

const FeatureName = z.string().regex(/^[A-Za-z0-9_.:-]{1,128}$/, 'feature names use letters, digits, _ . : - (max 128)');

/** One column of an input tensor: a bare name is numeric. */
const FeatureSpecSchema = z.union([
  FeatureName,
  z.object({ name: FeatureName, type: z.enum(['numeric', 'categorical']).default('numeric') }).strict(),
]);

const WindowSchema = z
  .object({
    seconds: z.int().min(10).max(30 * 86400).describe('Length of the sliding window'),
    buckets: z.int().min(1).max(1440).describe('Time buckets the window slides by (the oldest is dropped whole)'),
  })
  .strict()
  .refine((w) => w.seconds * 1000 >= w.buckets, 'a window needs at least a millisecond per bucket');

export const DriftSettingsSchema = z
  .object({
    window: WindowSchema.default({ seconds: 3600, buckets: 12 }).describe('Live rows compared with the reference: the last hour, in 5-minute steps'),
    minSamples: z.int().min(1).default(500).describe('No drift values or verdicts while the window holds fewer rows'),
    psi: z.number().positive().default(0.25).describe('Numeric feature drifts at this PSI (0.1–0.25 moderate, above significant)'),
    ks: z.number().positive().max(1).default(0.2).describe('… or at this binned KS distance (≈ a 0.5σ mean shift, as PSI 0.25)'),
    js: z.number().positive().max(1).default(0.1).describe('Categorical feature drifts at this Jensen-Shannon distance (base 2) …'),
    linf: z.number().positive().max(1).default(0.1).describe('… or when one category\'s share moves by this much (L-infinity)'),
    datasetShare: z.number().positive().max(1).default(0.5).describe('Dataset drift when at least this share of the features drift'),
  })
  .strict();

export const AccuracySettingsSchema = z
  .object({
    window: WindowSchema.default({ seconds: 86400, buckets: 24 }).describe('Labelled rows counted by arrival: the last day, in 1-hour steps'),
    minSamples: z.int().min(1).default(100).describe('No live accuracy or verdict while the window holds fewer labelled rows'),
    maxDrop: z.number().min(0).max(1).default(0.05).describe('Classification: alarm when live accuracy is this far below the reference'),
    maxErrorIncrease: z.number().min(0).default(0.25).describe('Regression: alarm when live MAE exceeds the reference MAE by this fraction'),
  })
  .strict();

export const MonitoringConfigSchema = z
  .object({
    enabled: z.boolean().default(true).describe('false: no drift, no feedback for this model'),
    inputs: z
      .record(z.string().min(1), z.array(FeatureSpecSchema).min(1))
      .optional()
      .describe('Input tensor → its features, one per column of [batch, n] in order (default: what profile.json records)'),
    outputs: z
      .record(z.string().min(1), z.enum(['classes', 'numeric']))
      .optional()
      .describe('Outputs watched for prediction drift: classes (argmax of scores, or integer class ids) or numeric'),
    target: z.string().min(1).optional().describe('Output that feedback labels are compared with (default: the first watched output)'),
    drift: DriftSettingsSchema.prefault({}),
    accuracy: AccuracySettingsSchema.prefault({}),
  })
  .strict();

export type MonitoringConfig = z.infer<typeof MonitoringConfigSchema>;
export type DriftSettings = z.infer<typeof DriftSettingsSchema>;
export type AccuracySettings = z.infer<typeof AccuracySettingsSchema>;

export interface FeatureMapping {
  name: string;
  input: string;
  column: number;
  type: 'numeric' | 'categorical';
}

/** The features model.yaml declares, in order; undefined when it declares none. */
export function declaredFeatures(config: MonitoringConfig): FeatureMapping[] | undefined {
  if (config.inputs === undefined) return undefined;
  return Object.entries(config.inputs).flatMap(([input, columns]) =>
    columns.map((spec, column) =>
      typeof spec === 'string' ? { name: spec, input, column, type: 'numeric' as const } : { name: spec.name, input, column, type: spec.type },
    ),
  );
}
