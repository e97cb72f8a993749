// KServe V1 rows/columns ⇄ tensors: infers shapes from nested JSON and nests flat outputs back into rows.
import { InvalidInputError } from '../../errors.js';
import type { NamedTensor } from '../../inference/data-plane.js';
import type { TensorSpec } from '../../inference/tensor.js';
import type { InferInput } from '../../inference/validate.js';

const isPlainObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

/** Shape of nested JSON, read along the first element of each level (the codec rejects ragged data). */
function shapeOf(value: unknown): number[] {
  const shape: number[] = [];
  for (let v = value; Array.isArray(v); v = v[0]) shape.push(v.length);
  return shape;
}

function column(spec: TensorSpec, value: unknown): InferInput {
  return { name: spec.name, datatype: spec.datatype, shape: shapeOf(value), data: Array.isArray(value) ? value : [value] };
}

/** Named values for every input: a bare value is allowed only when the model has a single input. */
function byInput(specs: readonly TensorSpec[], value: unknown, what: string): Record<string, unknown> {
  const names = specs.map((s) => s.name);
  if (isPlainObject(value) && Object.keys(value).every((k) => names.includes(k))) return value;
  if (specs.length === 1) return { [specs[0].name]: value };
  throw new InvalidInputError(`${what} must be an object with the inputs ${names.map((n) => `'${n}'`).join(', ')}`);
}

/** Row format: instances[i] is one example; stacking them gives each input a leading batch dimension. */
export function fromInstances(specs: readonly TensorSpec[], instances: readonly unknown[]): InferInput[] {
  const rows = instances.map((row, i) => byInput(specs, row, `instance ${i}`));
  return specs.map((spec) => {
    const values = rows.map((r, i) => {
      if (!Object.hasOwn(r, spec.name)) throw new InvalidInputError(`instance ${i} has no input '${spec.name}'`);
      return r[spec.name];
    });
    return { name: spec.name, datatype: spec.datatype, shape: [values.length, ...shapeOf(values[0])], data: values };
  });
}

/** Columnar format: `inputs` is the tensor itself, or an object of tensors by input name. */
export function fromColumns(specs: readonly TensorSpec[], inputs: unknown): InferInput[] {
  const named = byInput(specs, inputs, '"inputs"');
  return specs.filter((s) => Object.hasOwn(named, s.name)).map((s) => column(s, named[s.name]));
}

/** A flat tensor as nested JSON values (64-bit integers become numbers; JSON has nothing wider). */
function nest(t: NamedTensor, from = 0, dims = t.shape): unknown {
  if (dims.length === 0) {
    const v = t.data[from];
    return t.datatype === 'BOOL' ? v !== 0 : typeof v === 'bigint' ? Number(v) : v;
  }
  const [n, ...rest] = dims;
  const stride = rest.reduce((a, b) => a * b, 1);
  return Array.from({ length: n }, (_, i) => nest(t, from + i * stride, rest));
}

/** predictions[i] is row i: the single output's row, or an object of every output's row. */
export function toPredictions(outputs: readonly NamedTensor[], rows: number): unknown[] {
  for (const o of outputs) {
    if (o.shape[0] !== rows) throw new InvalidInputError(`output '${o.name}' has no batch dimension of ${rows}; use the columnar "inputs" format`);
  }
  const perRow = outputs.map((o) => {
    const stride = o.shape.slice(1).reduce((a, b) => a * b, 1);
    return Array.from({ length: rows }, (_, i) => nest(o, i * stride, o.shape.slice(1)));
  });
  if (outputs.length === 1) return perRow[0];
  return Array.from({ length: rows }, (_, i) => Object.fromEntries(outputs.map((o, k) => [o.name, perRow[k][i]])));
}

/** Columnar answer: the single output's tensor, or an object of tensors by output name. */
export function toColumns(outputs: readonly NamedTensor[]): unknown {
  if (outputs.length === 1) return nest(outputs[0]);
  return Object.fromEntries(outputs.map((o) => [o.name, nest(o)]));
}
