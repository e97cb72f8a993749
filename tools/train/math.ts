// Dense row-major math shared by the trainers and by the forward passes that check the exported graphs.

export type Matrix = number[][];

export function zeros(rows: number, cols: number): Matrix {
  return Array.from({ length: rows }, () => new Array<number>(cols).fill(0));
}

/** x·w + b (b broadcast over rows): what ONNX Gemm computes. */
export function affine(x: Matrix, w: Matrix, b: number[]): Matrix {
  return x.map((row) => b.map((bias, j) => row.reduce((sum, v, k) => sum + v * w[k][j], bias)));
}

/** aᵀ·b, for weight gradients. */
export function transposeTimes(a: Matrix, b: Matrix): Matrix {
  const out = zeros(a[0].length, b[0].length);
  a.forEach((aRow, n) => aRow.forEach((v, i) => b[n].forEach((u, j) => (out[i][j] += v * u))));
  return out;
}

/** a·bᵀ, for back-propagating through a layer. */
export function timesTranspose(a: Matrix, b: Matrix): Matrix {
  return a.map((aRow) => b.map((bRow) => bRow.reduce((sum, v, k) => sum + v * aRow[k], 0)));
}

export function columnSums(m: Matrix): number[] {
  return m[0].map((_, j) => m.reduce((sum, row) => sum + row[j], 0));
}

/** Row-wise softmax, shifted by the row max so exp() cannot overflow. */
export function softmaxRows(z: Matrix): Matrix {
  return z.map((row) => {
    const max = Math.max(...row);
    const exps = row.map((v) => Math.exp(v - max));
    const total = exps.reduce((a, b) => a + b, 0);
    return exps.map((e) => e / total);
  });
}

/** d(mean cross-entropy)/d(logits) for softmax outputs: (p − onehot(y)) / n. */
export function crossEntropyGradient(probs: Matrix, labels: number[]): Matrix {
  return probs.map((row, n) => row.map((p, j) => (p - (j === labels[n] ? 1 : 0)) / probs.length));
}

export function argmax(row: number[]): number {
  return row.reduce((best, v, i) => (v > row[best] ? i : best), 0);
}

export function accuracy(predicted: number[], labels: number[]): number {
  return predicted.filter((p, i) => p === labels[i]).length / labels.length;
}

/** Rounds to float32, the precision of the ONNX initializers, so the TypeScript forward pass sees the same weights. */
export function toFloat32(m: Matrix): Matrix {
  return m.map((row) => row.map(Math.fround));
}
