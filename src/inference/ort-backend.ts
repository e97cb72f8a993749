// onnxruntime-node behind the InferenceBackend interface; the only module that imports it.
import ort from 'onnxruntime-node';
import { performance } from 'node:perf_hooks';
import { UnsupportedModelError, type BackendOptions, type InferenceBackend, type RunOptions } from './backend.js';
import { assertSelfContained } from './model-guard.js';
import type { Datatype, ModelSignature, Tensor, TensorSpec } from './tensor.js';

const FROM_ORT: Record<string, Datatype> = {
  bool: 'BOOL', uint8: 'UINT8', uint16: 'UINT16', uint32: 'UINT32', uint64: 'UINT64',
  int8: 'INT8', int16: 'INT16', int32: 'INT32', int64: 'INT64',
  float16: 'FP16', float32: 'FP32', float64: 'FP64', string: 'BYTES',
};
const TO_ORT = Object.fromEntries(Object.entries(FROM_ORT).map(([k, v]) => [v, k])) as Record<Datatype, ort.Tensor.Type>;

type ValueMetadata = ort.InferenceSession.ValueMetadata;

function toSpec(meta: ValueMetadata, kind: 'input' | 'output'): TensorSpec | null {
  const datatype = meta.isTensor ? FROM_ORT[meta.type] : undefined;
  if (datatype === undefined) {
    // NOTE: sequences, maps (sklearn's ZipMap) and bfloat16 have no protocol form; such outputs are hidden,
    // such inputs make the model unservable.
    if (kind === 'input') throw new UnsupportedModelError(`input '${meta.name}' has unsupported type ${meta.isTensor ? meta.type : 'non-tensor'}`);
    return null;
  }
  const shape = meta.isTensor ? meta.shape.map((d) => (typeof d === 'number' && d >= 0 ? d : -1)) : [];
  return { name: meta.name, datatype, shape };
}

/** An onnxruntime session; `create` reads the signature from the model itself. */
class OrtBackend implements InferenceBackend {
  readonly kind = 'inprocess';
  readonly #session: ort.InferenceSession;
  readonly signature: ModelSignature;
  readonly #outputNames: string[];

  private constructor(session: ort.InferenceSession) {
    this.#session = session;
    const inputs = session.inputMetadata.map((m) => toSpec(m, 'input')!);
    const outputs = session.outputMetadata.map((m) => toSpec(m, 'output')).filter((s): s is TensorSpec => s !== null);
    if (outputs.length === 0) throw new UnsupportedModelError('the model has no tensor outputs');
    this.signature = { inputs, outputs };
    this.#outputNames = outputs.map((o) => o.name);
  }

  static async create(modelBytes: Uint8Array, options: BackendOptions): Promise<OrtBackend> {
    try {
      assertSelfContained(modelBytes);
    } catch (err) {
      throw new UnsupportedModelError((err as Error).message);
    }
    const session = await ort.InferenceSession.create(modelBytes, {
      intraOpNumThreads: options.intraOpThreads,
      interOpNumThreads: options.interOpThreads,
      graphOptimizationLevel: 'all',
      // NOTE: spinning pool threads steal the cores Fastify and the GC need between requests.
      extra: { session: { intra_op: { allow_spinning: options.allowSpinning ? '1' : '0' }, inter_op: { allow_spinning: options.allowSpinning ? '1' : '0' } } },
    });
    try {
      return new OrtBackend(session);
    } catch (err) {
      await session.release();
      throw err;
    }
  }

  async run(inputs: Record<string, Tensor>, outputs: readonly string[] = this.#outputNames, options: RunOptions = {}): Promise<Record<string, Tensor>> {
    const feeds: Record<string, ort.Tensor> = {};
    for (const [name, t] of Object.entries(inputs)) {
      feeds[name] = new ort.Tensor(TO_ORT[t.datatype], t.data as ort.Tensor.DataType, t.shape);
    }
    // NOTE: session.run() starts the native run from a setImmediate; an immediate queued just before it fires just
    // before it, so the time measured from there is the runtime's, not the wait for the event loop's check phase.
    let started = performance.now();
    if (options.timing !== undefined) setImmediate(() => (started = performance.now()));
    const results = await this.#session.run(feeds, outputs as string[]);
    if (options.timing !== undefined) options.timing.computeSeconds = (performance.now() - started) / 1000;
    const out: Record<string, Tensor> = {};
    for (const name of outputs) {
      const r = results[name];
      out[name] = { datatype: FROM_ORT[r.type], shape: r.dims.slice(), data: r.data as Tensor['data'] };
    }
    return out;
  }

  async dispose(): Promise<void> {
    await this.#session.release();
  }
}

export const createOrtBackend = (modelBytes: Uint8Array, options: BackendOptions): Promise<InferenceBackend> =>
  OrtBackend.create(modelBytes, options);

export const onnxruntimeVersion = (): string => ort.env.versions.common ?? 'unknown';
