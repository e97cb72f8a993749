// Classification extension: an output's top N classes as "value:index[:label]" strings, per batch row.
import { DATATYPE_INFO, type Tensor } from './tensor.js';

/** Shortest text that reads back as the same float32 (avoids 0.8999999761581421 in labels). */
function formatScore(value: number, float32: boolean): string {
  if (!float32 || !Number.isFinite(value)) return String(value);
  for (let p = 1; p < 10; p++) {
    const text = value.toPrecision(p);
    if (Math.fround(Number(text)) === value) return String(Number(text));
  }
  return String(value);
}

/** IEEE 754 half-precision bits → number; exact, as every half is also a float32. */
export function halfToNumber(bits: number): number {
  const sign = bits & 0x8000 ? -1 : 1;
  const exponent = (bits >> 10) & 0x1f;
  const fraction = bits & 0x3ff;
  if (exponent === 0) return sign * fraction * 2 ** -24;
  if (exponent === 31) return fraction === 0 ? sign * Infinity : NaN;
  return sign * (1 + fraction / 1024) * 2 ** (exponent - 15);
}

/**
 * Rank ≥ 2 outputs are [batch, ...classes]: each row is ranked separately and the result is [batch, N].
 * Rank 0–1 outputs are one row of classes and give [N]. N is capped at the number of classes.
 */
export function classify(tensor: Tensor, topN: number, labels?: readonly string[]): Tensor {
  const batched = tensor.shape.length >= 2;
  const rows = batched ? tensor.shape[0] : 1;
  const data = tensor.data;
  const perRow = rows === 0 ? 0 : data.length / rows;
  const n = Math.min(topN, perRow);
  // NOTE: FP16 data holds raw half bits (a Uint16Array); rank and print the values they encode.
  const half = tensor.datatype === 'FP16';
  const float32 = half || DATATYPE_INFO[tensor.datatype].array === Float32Array;
  const out: string[] = [];
  const order = Array.from({ length: perRow }, (_, i) => i);
  for (let r = 0; r < rows; r++) {
    const base = r * perRow;
    const value = (i: number): number => (half ? halfToNumber(data[base + i] as number) : Number(data[base + i]));
    // NOTE: stable sort keeps the lower index first among equal scores, as argmax does.
    order.sort((a, b) => value(b) - value(a) || a - b);
    for (let k = 0; k < n; k++) {
      const idx = order[k];
      const label = labels?.[idx];
      out.push(`${formatScore(value(idx), float32)}:${idx}${label === undefined ? '' : `:${label}`}`);
    }
    order.sort((a, b) => a - b);
  }
  return { datatype: 'BYTES', shape: batched ? [rows, n] : [n], data: out };
}
