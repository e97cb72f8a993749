// Baseline (c), the naive server: one Fastify route per model that calls session.run for every request.
//
//   node --import tsx bench/servers/naive-server.ts <port> '<json {model: onnxFile}>' [intraOpThreads]
//
// Without a thread count it is the literal naive server: onnxruntime's default session options (a thread per core,
// spinning on). With one, it gets onnx-serve's thread settings, so the comparison is about serving alone.
import Fastify from 'fastify';
import ort from 'onnxruntime-node';

const [port, modelsJson, threads] = process.argv.slice(2);
const models = JSON.parse(modelsJson) as Record<string, string>;
const app = Fastify({ logger: false, bodyLimit: 256 * 1024 * 1024 });

interface Body {
  inputs: { name: string; shape: number[]; datatype: string; data: number[] }[];
}

for (const [name, file] of Object.entries(models)) {
  const tuned = { intraOpNumThreads: Number(threads), interOpNumThreads: 1, extra: { session: { intra_op: { allow_spinning: '0' } } } };
  const session = await ort.InferenceSession.create(file, threads === undefined ? {} : tuned);
  app.post<{ Body: Body }>(`/v2/models/${name}/infer`, async (req) => {
    const feeds: Record<string, ort.Tensor> = {};
    for (const input of req.body.inputs) feeds[input.name] = new ort.Tensor('float32', Float32Array.from(input.data.flat(Infinity) as number[]), input.shape);
    const results = await session.run(feeds);
    return {
      model_name: name,
      outputs: Object.entries(results).map(([out, t]) => ({
        name: out,
        datatype: t.type,
        shape: t.dims,
        data: Array.from(t.data as ArrayLike<number | bigint>, Number),
      })),
    };
  });
}
await app.listen({ host: '127.0.0.1', port: Number(port) });
process.on('SIGTERM', () => void app.close().then(() => process.exit(0)));
