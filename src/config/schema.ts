// The one schema for every server setting: defaults, one-line docs, types (z.infer) and validation.
import { z } from 'zod';

const bool = z.union([z.boolean(), z.stringbool()]);
const int = (min: number, max: number) => z.coerce.number().int().min(min).max(max);

/**
 * Every field has a default and a description; `describe()` text feeds `--help` and the README table.
 * Names map to flags (`--log-level`) and environment variables (`ONNX_SERVE_LOG_LEVEL`).
 */
export const ConfigSchema = z.object({
  config: z.string().optional().describe('Path of a YAML or JSON file with any of these settings (flags and env win)'),
  host: z.string().min(1).default('127.0.0.1').describe('Interface to listen on (the Docker image sets 0.0.0.0)'),
  port: int(0, 65535).default(8000).describe('HTTP port (0 picks a free one)'),
  models: z.string().min(1).default('models').describe('Model repository directory (NAME/VERSION/model.onnx inside)'),
  logLevel: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info').describe('Minimum log level'),
  logFormat: z.enum(['json', 'pretty', 'auto']).default('auto').describe('Log output: json lines, pretty, or pretty only on a terminal'),
  bodyLimitBytes: int(1024, 2 ** 31 - 1).default(64 * 1024 * 1024).describe('Largest accepted request body (after decompression); larger gets 413'),
  backend: z.enum(['inprocess', 'worker']).default('inprocess').describe('Where sessions run: on the event loop, or one worker thread per model version'),
  intraOpThreads: int(0, 256).default(1).describe('onnxruntime intra-op threads per model version (0 = one per core)'),
  interOpThreads: int(0, 256).default(1).describe('onnxruntime inter-op threads per model version'),
  allowSpinning: bool.default(false).describe('Let idle onnxruntime threads spin (burns CPU between requests)'),
  warmup: bool.default(true).describe('Run each model version once before it reports ready'),
  strictReadiness: bool.default(false).describe('Report not ready while any model version failed to load'),
  metrics: bool.default(true).describe('Serve Prometheus metrics at /metrics'),
  docs: bool.default(true).describe('Serve the OpenAPI document and Swagger UI at /docs'),
});

export type Config = z.infer<typeof ConfigSchema>;
export type ConfigKey = keyof Config;
