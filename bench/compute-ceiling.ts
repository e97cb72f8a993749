// Baseline (b), the compute ceiling: onnxruntime-node in-process, back-to-back runs at each batch size, no HTTP.
//
//   node --import tsx bench/compute-ceiling.ts <model.onnx> <intraOpThreads> <seconds per size> <sizes,...>  → JSON line
import { performance } from 'node:perf_hooks';
import ort from 'onnxruntime-node';

export interface ComputePoint {
  batch: number;
  rowsPerSecond: number;
  msPerRun: number;
}

const [file, threads, secondsText, sizesText] = process.argv.slice(2);
const session = await ort.InferenceSession.create(file, {
  intraOpNumThreads: Number(threads),
  interOpNumThreads: 1,
  extra: { session: { intra_op: { allow_spinning: '0' } } },
});
const meta = session.inputMetadata[0];
if (!meta.isTensor) throw new Error('the compute ceiling needs a tensor input');
const width = meta.shape.slice(1).reduce<number>((a, d) => a * (typeof d === 'number' ? d : 1), 1);
const points: ComputePoint[] = [];
for (const batch of sizesText.split(',').map(Number)) {
  const data = Float32Array.from({ length: batch * width }, (_, i) => ((i * 7919) % 1000) / 1000 - 0.5);
  const feeds = { [meta.name]: new ort.Tensor('float32', data, [batch, ...meta.shape.slice(1).map(Number)]) };
  for (let i = 0; i < 5; i++) await session.run(feeds); // NOTE: first runs per shape plan memory; not measured
  let runs = 0;
  const start = performance.now();
  const until = start + Number(secondsText) * 1000;
  while (performance.now() < until) {
    await session.run(feeds);
    runs++;
  }
  const ms = (performance.now() - start) / runs;
  points.push({ batch, rowsPerSecond: (batch * 1000) / ms, msPerRun: ms });
}
process.stdout.write(`${JSON.stringify(points)}\n`);
