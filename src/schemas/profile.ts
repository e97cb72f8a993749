// profile.json: a model version's reference statistics for drift and its validation performance.
import { z } from 'zod';

export const PROFILE_FORMAT = 'onnx-serve.profile/v1' as const;

const proportions = (what: string) =>
  z
    .array(z.number().min(0).max(1))
    .refine((p) => Math.abs(p.reduce((a, b) => a + b, 0) - 1) < 1e-6, `${what} must sum to 1`);

/** Numeric distribution: bins at reference quantiles within [min, max], plus below-range and above-range bins. */
const NumericStats = {
  type: z.literal('numeric'),
  min: z.number(),
  max: z.number(),
  edges: z.array(z.number()).describe('Interior bin edges, strictly increasing, within (min, max]'),
  proportions: proportions('proportions').describe('Share of non-missing rows per bin: below min, [min, e0), …, [eLast, max], above max'),
  mean: z.number(),
  std: z.number().min(0),
  missingRate: z.number().min(0).max(1),
};

const CategoricalStats = {
  type: z.literal('categorical'),
  categories: z.array(z.string()).describe('The top-K values, most frequent first'),
  proportions: proportions('proportions').describe('Share of non-missing rows per category, then "other"'),
  missingRate: z.number().min(0).max(1),
};

const ClassStats = {
  type: z.literal('classes'),
  classes: z.int().min(1).max(100_000),
  proportions: proportions('proportions').describe('Share of rows predicted as each class, then out-of-range values'),
};

const featureKey = { name: z.string().min(1).max(128), input: z.string().min(1), column: z.int().min(0) };
const outputKey = { name: z.string().min(1) };

export const ProfileFeatureSchema = z.discriminatedUnion('type', [
  z.object({ ...featureKey, ...NumericStats }).strict(),
  z.object({ ...featureKey, ...CategoricalStats }).strict(),
]);

export const ProfileOutputSchema = z.discriminatedUnion('type', [
  z.object({ ...outputKey, ...NumericStats }).strict(),
  z.object({ ...outputKey, ...ClassStats }).strict(),
]);

export const ProfilePerformanceSchema = z.discriminatedUnion('task', [
  z.object({ task: z.literal('classification'), output: z.string().min(1), rows: z.int().min(1), accuracy: z.number().min(0).max(1) }).strict(),
  z.object({ task: z.literal('regression'), output: z.string().min(1), rows: z.int().min(1), mae: z.number().min(0), rmse: z.number().min(0) }).strict(),
]);

export const ProfileSchema = z
  .object({
    format: z.literal(PROFILE_FORMAT),
    rows: z.int().min(1).describe('Rows of the reference data set'),
    source: z.string().optional().describe('What the reference data was (file name, sha256)'),
    features: z.array(ProfileFeatureSchema),
    outputs: z.array(ProfileOutputSchema),
    performance: ProfilePerformanceSchema.optional().describe('Validation accuracy (classification) or MAE/RMSE (regression)'),
    hash: z.string().regex(/^[0-9a-f]{64}$/).describe('sha256 of the rest of the profile (canonical JSON)'),
  })
  .strict()
  .superRefine((profile, ctx) => {
    const names = new Set<string>();
    for (const f of profile.features) {
      if (names.has(f.name)) ctx.addIssue({ code: 'custom', message: `feature '${f.name}' appears twice` });
      names.add(f.name);
    }
    const all = [...profile.features.map((s) => ['feature', s] as const), ...profile.outputs.map((s) => ['output', s] as const)];
    for (const [what, s] of all) {
      const want = s.type === 'numeric' ? s.edges.length + 3 : s.type === 'categorical' ? s.categories.length + 1 : s.classes + 1;
      if (s.proportions.length !== want) ctx.addIssue({ code: 'custom', message: `${what} '${s.name}' has ${s.proportions.length} proportions, expected ${want}` });
      if (s.type === 'numeric' && !s.edges.every((e, i) => e > (i === 0 ? s.min : s.edges[i - 1]) && e <= s.max)) {
        ctx.addIssue({ code: 'custom', message: `${what} '${s.name}': edges must increase strictly within (min, max]` });
      }
    }
  });

export type Profile = z.infer<typeof ProfileSchema>;
export type ProfileFeature = z.infer<typeof ProfileFeatureSchema>;
export type ProfileOutput = z.infer<typeof ProfileOutputSchema>;
export type ProfilePerformance = z.infer<typeof ProfilePerformanceSchema>;
export type NumericProfile = Extract<ProfileFeature | ProfileOutput, { type: 'numeric' }>;
