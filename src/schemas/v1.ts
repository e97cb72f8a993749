// KServe V1 / TF-Serving style :predict bodies and model status.
import { z } from 'zod';

export const PredictRequestSchema = z
  .object({
    signature_name: z.string().optional().describe('Accepted for TF-Serving clients; ONNX models have one signature'),
    instances: z.array(z.unknown()).min(1).optional().describe('Row format: one entry per example; an object per row for several inputs'),
    inputs: z.unknown().optional().describe('Columnar format: the tensor, or an object of tensors by input name'),
  })
  .refine((b) => (b.instances === undefined) !== (b.inputs === undefined), 'give exactly one of "instances" and "inputs"')
  .meta({ id: 'PredictRequest' });
export type PredictRequestBody = z.infer<typeof PredictRequestSchema>;

export const PredictResponseSchema = z
  .union([
    z.object({ predictions: z.array(z.unknown()).describe('One entry per instance; an object per row for several outputs') }),
    z.object({ outputs: z.unknown().describe('Columnar answer to a columnar request, as TF-Serving gives it') }),
  ])
  .meta({ id: 'PredictResponse' });

export const V1ModelStatusSchema = z.object({
  name: z.string(),
  ready: z.boolean(),
  model_version_status: z.array(
    z.object({
      version: z.string(),
      state: z.enum(['START', 'LOADING', 'AVAILABLE', 'UNLOADING', 'END']),
      status: z.object({ error_code: z.string(), error_message: z.string() }),
    }),
  ),
});
