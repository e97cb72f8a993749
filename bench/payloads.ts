// The benchmark's model repository and request bodies: iris and bench-mlp from models/, plus a 1 MB FP32 input model built here.
import { copyFileSync, existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { GraphBuilder } from '../tools/onnx/graph-builder.js';

/** Elements of the big model's input row: 262,144 FP32 = 1 MiB. */
export const BIG_WIDTH = 262_144;

export interface Payload {
  /** Scenario name, e.g. "iris-json". */
  name: string;
  model: string;
  file: string;
  headers: Record<string, string>;
}

/** y[b] = sum of row b: trivial compute, so throughput measures moving 1 MiB through the server. */
export function bigInputModel(): Uint8Array {
  return new GraphBuilder('big-input')
    .input('x', 'FP32', ['batch', BIG_WIDTH])
    .output('y', 'FP32', ['batch'])
    .initializer('axes', 'INT64', [1], [1])
    .node('ReduceSum', ['x', 'axes'], ['y'], { keepdims: 0 })
    .toBytes();
}

/** A repository in `dir`: iris (both versions) and bench-mlp copied from `models`, big-input generated. */
export function writeRepository(models: string, dir: string): Record<string, string> {
  const files: Record<string, string> = {};
  for (const [name, versions] of [['iris', ['1', '2']], ['bench-mlp', ['1']]] as const) {
    for (const v of versions) {
      mkdirSync(join(dir, name, v), { recursive: true });
      copyFileSync(join(models, name, v, 'model.onnx'), join(dir, name, v, 'model.onnx'));
      // NOTE: with its reference profile a version is drift-monitored, as it is when served from models/.
      if (existsSync(join(models, name, v, 'profile.json'))) copyFileSync(join(models, name, v, 'profile.json'), join(dir, name, v, 'profile.json'));
    }
    copyFileSync(join(models, name, 'model.yaml'), join(dir, name, 'model.yaml'));
    files[name] = join(dir, name, versions[versions.length - 1], 'model.onnx');
  }
  mkdirSync(join(dir, 'big-input', '1'), { recursive: true });
  writeFileSync(join(dir, 'big-input', '1', 'model.onnx'), bigInputModel());
  files['big-input'] = join(dir, 'big-input', '1', 'model.onnx');
  return files;
}

/** Deterministic values with the digits real features have (not short integers that JSON writes cheaply). */
const values = (n: number, seed: number): number[] =>
  Array.from({ length: n }, (_, i) => Math.fround(Math.sin(seed * 1000 + i) * 3));

const JSON_HEADERS = { 'content-type': 'application/json' };

/** Writes every request body into `dir`; each is one row (batch-1 requests). */
export function writePayloads(dir: string): Payload[] {
  mkdirSync(dir, { recursive: true });
  const json = (name: string, model: string, input: string, width: number): Payload => {
    const body = { inputs: [{ name: input, shape: [1, width], datatype: 'FP32', data: values(width, width) }] };
    const file = join(dir, `${name}.json`);
    writeFileSync(file, JSON.stringify(body));
    return { name, model, file, headers: JSON_HEADERS };
  };
  const big = new Float32Array(values(BIG_WIDTH, BIG_WIDTH));
  const header = Buffer.from(JSON.stringify({ inputs: [{ name: 'x', shape: [1, BIG_WIDTH], datatype: 'FP32', parameters: { binary_data_size: big.byteLength } }] }));
  const binFile = join(dir, 'big-binary.bin');
  writeFileSync(binFile, Buffer.concat([header, Buffer.from(big.buffer)]));
  return [
    json('iris-json', 'iris', 'features', 4),
    json('mlp-json', 'bench-mlp', 'input', 512),
    json('big-json', 'big-input', 'x', BIG_WIDTH),
    {
      name: 'big-binary',
      model: 'big-input',
      file: binFile,
      headers: { 'content-type': 'application/octet-stream', 'inference-header-content-length': String(header.length) },
    },
  ];
}
