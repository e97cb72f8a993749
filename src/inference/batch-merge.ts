// Merging requests into one batched run and splitting its outputs back: pure functions, exact for every datatype.
import { elementCount, type ModelSignature, type NumericArray, type Tensor, type TensorData } from './tensor.js';

/** True when every input and output has a dynamic first dimension, so requests can be stacked along it. */
export function isBatchable(signature: ModelSignature): boolean {
  const all = [...signature.inputs, ...signature.outputs];
  return signature.inputs.length > 0 && all.every((s) => s.shape.length >= 1 && s.shape[0] === -1);
}

/** Rows a request brings: the first dimension its inputs share, or null when they disagree (or one is a scalar). */
export function rowsOf(inputs: Record<string, Tensor>): number | null {
  let rows: number | null = null;
  for (const name in inputs) {
    const shape = inputs[name].shape;
    if (shape.length === 0) return null;
    if (rows === null) rows = shape[0];
    else if (rows !== shape[0]) return null;
  }
  return rows;
}

/** The outputs part of a key, per outputs list: the data plane hands the same list to every request of a version. */
const outputKeys = new WeakMap<readonly string[], string>();

/**
 * Requests share a run only when this key matches: the same non-batch dimensions for every input and the
 * same outputs asked for (order aside: the backend returns outputs by name).
 */
export function batchKey(inputs: Record<string, Tensor>, outputs: readonly string[]): string {
  const names = Object.keys(inputs);
  if (names.length > 1) names.sort();
  let key = '';
  // NOTE: built by concatenation, once per request; no intermediate arrays for the common one-input case.
  for (const name of names) {
    key += name;
    const shape = inputs[name].shape;
    for (let i = 1; i < shape.length; i++) key += `:${shape[i]}`;
    key += ';';
  }
  let tail = outputs.length === 1 ? outputs[0] : outputKeys.get(outputs);
  if (tail === undefined) {
    tail = [...outputs].sort().join(',');
    outputKeys.set(outputs, tail);
  }
  return `${key}|${tail}`;
}

function concat(parts: readonly TensorData[], count: number): TensorData {
  const first = parts[0];
  if (Array.isArray(first)) return ([] as string[]).concat(...(parts as string[][]));
  const ctor = first.constructor as new (n: number) => NumericArray;
  const out = new ctor(count);
  let offset = 0;
  for (const p of parts as NumericArray[]) {
    (out as Uint8Array).set(p as Uint8Array, offset);
    offset += p.length;
  }
  return out;
}

/** Stacks the members' inputs along the first dimension into fresh arrays (safe to transfer to a worker). */
export function mergeInputs(members: readonly Record<string, Tensor>[]): Record<string, Tensor> {
  const merged: Record<string, Tensor> = {};
  for (const name in members[0]) {
    const first = members[0][name];
    let rows = 0;
    for (const m of members) rows += m[name].shape[0];
    const shape = [rows, ...first.shape.slice(1)];
    merged[name] = { datatype: first.datatype, shape, data: concat(members.map((m) => m[name].data), elementCount(shape)) };
  }
  return merged;
}

/**
 * Cuts each output into the members' rows, in order; numeric parts are views, not copies. Null when an
 * output's first dimension is not the batch (the model broke the batching contract): callers rerun singly.
 */
export function splitOutputs(outputs: Record<string, Tensor>, rows: readonly number[]): Record<string, Tensor>[] | null {
  let total = 0;
  for (const r of rows) total += r;
  const parts: Record<string, Tensor>[] = rows.map(() => ({}));
  for (const name in outputs) {
    const t = outputs[name];
    if (t.shape.length === 0 || t.shape[0] !== total) return null;
    const rest = t.shape.slice(1);
    const stride = elementCount(rest);
    let offset = 0;
    for (let i = 0; i < rows.length; i++) {
      const end = offset + rows[i] * stride;
      const data = Array.isArray(t.data) ? t.data.slice(offset, end) : t.data.subarray(offset, end);
      parts[i][name] = { datatype: t.datatype, shape: [rows[i], ...rest], data };
      offset = end;
    }
  }
  return parts;
}
