// A check in plain code for the commonest V2 inference body, so most requests skip zod; anything else goes to zod.
import type { z } from 'zod';
import { DATATYPES } from '../inference/tensor.js';
import { MODEL_NAME_PATTERN, VERSION_PATTERN } from './common.js';
import type { InferRequestBody, InferRequestSchema } from './v2.js';

const DATATYPE_SET: ReadonlySet<unknown> = new Set(DATATYPES);
const MAX_DIMENSIONS = 32;
const MAX_ID_LENGTH = 256;

const isPlainObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

function isShape(v: unknown): boolean {
  if (!Array.isArray(v) || v.length > MAX_DIMENSIONS) return false;
  for (const d of v) if (!Number.isSafeInteger(d) || (d as number) < 0) return false;
  return true;
}

function isPlainInput(v: unknown): boolean {
  if (!isPlainObject(v)) return false;
  for (const key in v) if (key !== 'name' && key !== 'shape' && key !== 'datatype' && key !== 'data') return false;
  return (
    typeof v.name === 'string' && v.name.length > 0 && isShape(v.shape) && DATATYPE_SET.has(v.datatype) && (!('data' in v) || Array.isArray(v.data))
  );
}

function isPlainOutput(v: unknown): boolean {
  if (!isPlainObject(v)) return false;
  for (const key in v) if (key !== 'name') return false;
  return typeof v.name === 'string' && v.name.length > 0;
}

function allOf(v: unknown, check: (item: unknown) => boolean, min: number): boolean {
  if (!Array.isArray(v) || v.length < min) return false;
  for (const item of v) if (!check(item)) return false;
  return true;
}

/**
 * The body itself when it is an inference request without parameters and without keys the schema does not name
 * (which zod would strip), i.e. exactly what `InferRequestSchema` would return for it; otherwise undefined, and
 * the caller asks zod, which also words the errors.
 *
 * NOTE: under perf, validation was about 4.6 % of an iris request's CPU (zod builds its output and runs its checks
 * key by key); with this path the whole request measured 6 % cheaper side by side. It must never accept what the schema refuses: test/schemas/infer-fast-path.test.ts compares
 * both on thousands of generated and mutated bodies.
 */
export function plainInferRequest(body: unknown): InferRequestBody | undefined {
  if (!isPlainObject(body)) return undefined;
  for (const key in body) if (key !== 'id' && key !== 'inputs' && key !== 'outputs') return undefined;
  if ('id' in body && !(typeof body.id === 'string' && body.id.length <= MAX_ID_LENGTH)) return undefined;
  if (!allOf(body.inputs, isPlainInput, 1)) return undefined;
  if ('outputs' in body && !allOf(body.outputs, isPlainOutput, 0)) return undefined;
  return body as z.output<typeof InferRequestSchema>;
}

/**
 * The path parameters themselves when they are exactly what ModelParamsSchema (or, with `versioned`,
 * VersionParamsSchema) accepts and returns; otherwise undefined, and zod decides and words the error.
 * NOTE: zod's object parse cost about 0.7 % of an iris request's CPU under perf; two regex tests cost a tenth of it.
 */
export function plainModelParams(params: unknown, versioned: boolean): { model: string; version?: string } | undefined {
  if (!isPlainObject(params)) return undefined;
  let keys = 0;
  for (const key in params) {
    if (key !== 'model' && !(versioned && key === 'version')) return undefined;
    keys++;
  }
  if (keys !== (versioned ? 2 : 1)) return undefined;
  const { model, version } = params;
  if (typeof model !== 'string' || !MODEL_NAME_PATTERN.test(model)) return undefined;
  if (versioned && (typeof version !== 'string' || !VERSION_PATTERN.test(version))) return undefined;
  return params as { model: string; version?: string };
}
