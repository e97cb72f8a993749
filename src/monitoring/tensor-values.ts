// Reading single elements of tensors as numbers or strings, whatever their datatype, without copying them.
import { halfToNumber } from '../inference/classification.js';
import { DATATYPE_INFO, type Datatype, type Tensor, type TensorSpec } from '../inference/tensor.js';

/** How elements of a datatype read as JavaScript values. */
export type ValueKind = 'number' | 'bigint' | 'half' | 'string';

export function valueKind(datatype: Datatype): ValueKind {
  const kind = DATATYPE_INFO[datatype].kind;
  return kind === 'bigint' ? 'bigint' : kind === 'half' ? 'half' : kind === 'bytes' ? 'string' : 'number';
}

/** Element `index` as a number (NaN for strings). */
export function numberAt(data: Tensor['data'], kind: ValueKind, index: number): number {
  switch (kind) {
    case 'number':
      return data[index] as number;
    case 'bigint':
      return Number(data[index] as bigint);
    case 'half':
      return halfToNumber(data[index] as number);
    default:
      return NaN;
  }
}

/** Rows of a tensor: its first dimension (a scalar is one row). */
export const rowsOf = (tensor: Tensor): number => (tensor.shape.length === 0 ? 1 : tensor.shape[0]);

/** Elements per row; 0 for an empty batch. */
export function rowWidth(tensor: Tensor): number {
  const rows = rowsOf(tensor);
  return rows === 0 ? 0 : tensor.data.length / rows;
}

/** Elements per row as declared by the model; undefined when a dimension after the batch one is dynamic. */
export function declaredRowWidth(spec: TensorSpec): number | undefined {
  let width = 1;
  for (const d of spec.shape.slice(1)) {
    if (d === -1) return undefined;
    width *= d;
  }
  return width;
}

/** How a class is read from one row of an output: the index of the top score, a 0.5 cut of one score, or an integer id. */
export type ClassReader = 'argmax' | 'threshold' | 'index';

/** The class reader an output supports, or why it supports none. */
export function classReaderFor(spec: TensorSpec): ClassReader | string {
  const width = declaredRowWidth(spec);
  const kind = DATATYPE_INFO[spec.datatype].kind;
  if (kind === 'bytes') return `output '${spec.name}' holds strings; classes must be scores or integer ids`;
  if (width === undefined) return `output '${spec.name}' has a dynamic row width ${JSON.stringify(spec.shape)}`;
  if (kind === 'float' || kind === 'half') return width === 1 ? 'threshold' : 'argmax';
  if (width === 1) return 'index';
  return `output '${spec.name}' has ${width} integers per row; integer class ids need one per row`;
}

/**
 * The class of row `row` (of `width` elements), or -1 when it has none (NaN scores, ids out of [0, classes)).
 * Argmax keeps the first of equal scores, as onnx ArgMax does.
 */
export function classAt(data: Tensor['data'], kind: ValueKind, reader: ClassReader, row: number, width: number, classes = Infinity): number {
  const base = row * width;
  if (reader === 'argmax') {
    let best = -1;
    let bestValue = -Infinity;
    for (let i = 0; i < width; i++) {
      const v = numberAt(data, kind, base + i);
      if (v > bestValue) {
        bestValue = v;
        best = i;
      }
    }
    return best;
  }
  const v = numberAt(data, kind, base);
  if (reader === 'threshold') return v >= 0.5 ? 1 : v < 0.5 ? 0 : -1;
  return Number.isInteger(v) && v >= 0 && v < classes ? v : -1;
}
