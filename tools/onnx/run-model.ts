// Runs an ONNX model once with onnxruntime-node, for the build's self-check and the tests.
import ort from 'onnxruntime-node';

/** Feeds one FP32 matrix as `input` and returns every output; the session is released before returning. */
export async function runModel(
  model: Uint8Array,
  input: string,
  rows: number[][],
): Promise<ort.InferenceSession.ReturnType> {
  const session = await ort.InferenceSession.create(model);
  try {
    const tensor = new ort.Tensor('float32', Float32Array.from(rows.flat()), [rows.length, rows[0].length]);
    return await session.run({ [input]: tensor });
  } finally {
    await session.release();
  }
}

/** Splits a [rows, cols] output tensor's flat data back into rows. */
export function toRows(tensor: ort.Tensor): number[][] {
  const [rows, cols] = tensor.dims;
  const data = Array.from(tensor.data as Float32Array);
  return Array.from({ length: rows }, (_, r) => data.slice(r * cols, (r + 1) * cols));
}
