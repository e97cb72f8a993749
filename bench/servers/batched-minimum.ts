// Reference (d), the batched minimum: the least work a batching server does per request, with nothing else.
//
//   node --import tsx bench/servers/batched-minimum.ts <port> '<json {model: onnxFile}>' [intraOpThreads]
//
// Parse the JSON body (Fastify's own parser, no validation), copy the rows into one tensor with whatever else
// arrived while the previous run was busy, run, cut the outputs per request, answer with JSON.stringify. No
// checks, metrics, monitoring, logging, ids or headers: it shows what serving costs before a server's features,
// so the gap between it and onnx-serve is the price of those features. Models with one input only.
import Fastify from 'fastify';
import ort from 'onnxruntime-node';

const [port, modelsJson, threads = '1'] = process.argv.slice(2);
const models = JSON.parse(modelsJson) as Record<string, string>;
const app = Fastify({ logger: false, bodyLimit: 256 * 1024 * 1024 });
const DATATYPES: Record<string, string> = { float32: 'FP32', float64: 'FP64', int64: 'INT64', int32: 'INT32' };

interface Body {
  inputs: { data: number[] }[];
}
interface Waiting {
  row: number[];
  answer(json: string): void;
}

for (const [name, file] of Object.entries(models)) {
  const options = { intraOpNumThreads: Number(threads), interOpNumThreads: 1, extra: { session: { intra_op: { allow_spinning: '0' } } } };
  const session = await ort.InferenceSession.create(file, options);
  const [input] = session.inputNames;
  let queue: Waiting[] = [];
  let busy = false;

  const runBatch = async (): Promise<void> => {
    busy = true;
    const batch = queue;
    queue = [];
    const width = batch[0].row.length;
    const merged = new Float32Array(batch.length * width);
    batch.forEach((w, i) => merged.set(w.row, i * width));
    const results = await session.run({ [input]: new ort.Tensor('float32', merged, [batch.length, width]) });
    batch.forEach((w, i) => {
      const outputs = Object.entries(results).map(([out, t]) => {
        const per = t.data.length / batch.length;
        const rows = (t.data as Float32Array).subarray(i * per, (i + 1) * per);
        return { name: out, datatype: DATATYPES[t.type] ?? t.type, shape: [1, ...t.dims.slice(1)], data: Array.from(rows as ArrayLike<number | bigint>, Number) };
      });
      w.answer(JSON.stringify({ model_name: name, model_version: '1', outputs }));
    });
    busy = false;
    if (queue.length > 0) setImmediate(() => void runBatch());
  };

  app.post<{ Body: Body }>(`/v2/models/${name}/infer`, (req, reply) => {
    queue.push({ row: req.body.inputs[0].data.flat(Infinity) as number[], answer: (json) => void reply.type('application/json').send(json) });
    // NOTE: as onnx-serve's default: the batch is whatever arrived by the next turn or while the last run was busy.
    if (queue.length === 1 && !busy) setImmediate(() => void runBatch());
  });
}
await app.listen({ host: '127.0.0.1', port: Number(port) });
process.on('SIGTERM', () => void app.close().then(() => process.exit(0)));
