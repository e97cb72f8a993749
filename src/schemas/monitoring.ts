// Feedback (ground truth for earlier predictions) and the monitoring status of a model's versions.
import { z } from 'zod';

export const MAX_FEEDBACK_ITEMS = 1000;

const Label = z.union([z.string().min(1).max(256), z.int().min(0)]);

export const FeedbackItemSchema = z
  .object({
    id: z.string().min(1).max(256).describe('The id of the prediction: the response\'s "id" (V2) or X-Request-Id header (V1)'),
    label: z.union([Label, z.array(Label).min(1)]).optional().describe('Classification: the true class (name or index), or one per row of the request'),
    value: z.union([z.number(), z.array(z.number()).min(1)]).optional().describe('Regression: the observed value, or one per row of the request'),
  })
  .strict()
  .refine((i) => (i.label === undefined) !== (i.value === undefined), 'give exactly one of "label" and "value"');

export const FeedbackRequestSchema = z
  .object({ items: z.array(FeedbackItemSchema).min(1).max(MAX_FEEDBACK_ITEMS) })
  .strict()
  .meta({ id: 'FeedbackRequest' });
export type FeedbackRequestBody = z.infer<typeof FeedbackRequestSchema>;

const Outcome = z.enum(['matched', 'unknown', 'expired', 'duplicate', 'invalid']);

export const FeedbackResponseSchema = z
  .object({
    results: z.array(
      z.object({
        id: z.string(),
        outcome: Outcome.describe('matched: counted; unknown: no such prediction; expired: kept too long ago; duplicate: already labelled (first label wins); invalid: see error'),
        version: z.string().optional().describe('The version that made the prediction'),
        error: z.string().optional(),
      }),
    ),
    counts: z.record(Outcome, z.int()).describe('Items per outcome'),
  })
  .meta({ id: 'FeedbackResponse' });

const Distribution = z.object({
  name: z.string(),
  type: z.enum(['numeric', 'categorical', 'classes']),
  psi: z.number().optional(),
  ks: z.number().optional(),
  js: z.number().optional(),
  linf: z.number().optional(),
  missing: z.number().optional(),
  class_shares: z.array(z.number()).optional(),
  drifted: z.boolean(),
});

export const MonitoringStatusSchema = z
  .object({
    name: z.string(),
    versions: z.array(
      z.object({
        version: z.string(),
        profile_hash: z.string().optional(),
        notes: z.array(z.string()).describe('What is not watched, and why'),
        drift: z
          .object({
            window_seconds: z.number(),
            samples: z.number(),
            min_samples: z.int(),
            ready: z.boolean().describe('false below min_samples: then no statistic and no verdict'),
            drifted_share: z.number().optional(),
            dataset_drifted: z.boolean().optional(),
            prediction_drifted: z.boolean().optional(),
            features: z.array(Distribution),
            outputs: z.array(Distribution),
          })
          .optional(),
        accuracy: z
          .object({
            task: z.enum(['classification', 'regression']),
            output: z.string(),
            window_seconds: z.number(),
            samples: z.number(),
            min_samples: z.int(),
            ready: z.boolean(),
            accuracy: z.number().optional(),
            reference_accuracy: z.number().optional(),
            drop: z.number().optional(),
            mae: z.number().optional(),
            rmse: z.number().optional(),
            reference_mae: z.number().optional(),
            reference_rmse: z.number().optional(),
            error_increase: z.number().optional(),
            degraded: z.boolean().optional(),
          })
          .optional(),
      }),
    ),
  })
  .meta({ id: 'MonitoringStatus' });
export type MonitoringStatus = z.infer<typeof MonitoringStatusSchema>;
