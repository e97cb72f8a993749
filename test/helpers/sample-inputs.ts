// Deterministic input tensors for any signature: every datatype, a chosen row count, values that vary by seed.
import type { InferenceBackend } from '../../src/inference/backend.js';
import { DATATYPE_INFO, type Tensor } from '../../src/inference/tensor.js';

/** Inputs for every input of the backend's signature with `rows` rows, values depending on `seed`. */
export function inputsFor(be: InferenceBackend, rows: number, seed: number): Record<string, Tensor> {
  const out: Record<string, Tensor> = {};
  for (const spec of be.signature.inputs) {
    const shape = spec.shape.map((d, i) => (i === 0 ? rows : d));
    const n = shape.reduce((a, b) => a * b, 1);
    const info = DATATYPE_INFO[spec.datatype];
    const v = (i: number) => ((seed * 13 + i * 5) % 17) - 4;
    const data = info.array === null
      ? Array.from({ length: n }, (_, i) => `row-${seed}-${i}`)
      : Array.from({ length: n }, (_, i) => (info.kind === 'bigint' ? BigInt(Math.abs(v(i))) : info.kind === 'bool' ? Math.abs(v(i)) % 2 : info.kind === 'float' ? v(i) / 7 : info.kind === 'half' ? 0x3c00 + Math.abs(v(i)) : Math.abs(v(i))));
    out[spec.name] = { datatype: spec.datatype, shape, data: info.array === null ? (data as string[]) : new info.array(data.length).map((_, i) => data[i] as never) };
  }
  return out;
}
