// onnxruntime-node behind the InferenceBackend interface; the only module that imports it.
import { createRequire } from 'node:module';
import { performance } from 'node:perf_hooks';
import ort from 'onnxruntime-node';
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

/** A loaded session as the backend uses it, whichever way it was opened. */
interface OrtSession {
  readonly direct: boolean;
  readonly inputs: readonly ValueMetadata[];
  readonly outputs: readonly ValueMetadata[];
  run(feeds: Record<string, ort.Tensor>, outputs: readonly string[]): Promise<Record<string, ort.Tensor>> | Record<string, ort.Tensor>;
  release(): Promise<void>;
}

/** The native session class of onnxruntime-node (dist/binding.js), as its own public wrapper drives it. */
interface NativeSession {
  loadModel(buffer: ArrayBufferLike, byteOffset: number, byteLength: number, options: object): void;
  run(feeds: Record<string, ort.Tensor>, fetches: Record<string, null>, options: object): Record<string, ort.Tensor>;
  dispose(): void;
  readonly inputMetadata: NativeMetadata[];
  readonly outputMetadata: NativeMetadata[];
}
interface NativeMetadata {
  name: string;
  isTensor: boolean;
  type: number;
  shape: number[];
}
interface NativeBinding {
  binding: { InferenceSession: new () => NativeSession };
  initOrt(): void;
}

/** ONNX TensorProto element types by number, as onnxruntime-node's wrapper names them (others are unsupported). */
const ELEMENT_TYPES = [undefined, 'float32', 'uint8', 'int8', 'uint16', 'int16', 'int32', 'int64', 'string', 'bool', 'float16', 'float64', 'uint32', 'uint64'];

/** The native binding when it has the shape this module was written against (1.2x–1.30); null otherwise. */
const native: NativeBinding | null = (() => {
  try {
    const loaded = createRequire(import.meta.url)('onnxruntime-node/dist/binding.js') as Partial<NativeBinding>;
    const proto = (loaded.binding?.InferenceSession as { prototype?: Record<string, unknown> } | undefined)?.prototype;
    const complete = typeof loaded.initOrt === 'function' && ['loadModel', 'run', 'dispose'].every((m) => typeof proto?.[m] === 'function');
    return complete ? (loaded as NativeBinding) : null;
  } catch {
    return null;
  }
})();

const fromNative = (m: NativeMetadata): ValueMetadata =>
  (m.isTensor
    ? { name: m.name, isTensor: true, type: ELEMENT_TYPES[m.type] ?? `element type ${m.type}`, shape: m.shape }
    : { name: m.name, isTensor: false }) as ValueMetadata;

/**
 * The native session onnxruntime-node's own wrapper uses, driven the same way (same options, same tensors) but
 * called synchronously: the wrapper's run waits for a setImmediate first. Null when the binding is not as expected.
 */
function openNativeSession(modelBytes: Uint8Array, options: ort.InferenceSession.SessionOptions): OrtSession | null {
  if (native === null) return null;
  native.initOrt();
  const session = new native.binding.InferenceSession();
  session.loadModel(modelBytes.buffer, modelBytes.byteOffset, modelBytes.byteLength, options);
  return {
    direct: true,
    inputs: session.inputMetadata.map(fromNative),
    outputs: session.outputMetadata.map(fromNative),
    run: (feeds, outputs) => {
      const fetches: Record<string, null> = {};
      for (const name of outputs) fetches[name] = null;
      return session.run(feeds, fetches, {});
    },
    release: async () => session.dispose(),
  };
}

/** The public API: `session.run` starts the native run from a setImmediate, one more event-loop turn per run. */
async function openPublicSession(modelBytes: Uint8Array, options: ort.InferenceSession.SessionOptions): Promise<OrtSession> {
  const session = await ort.InferenceSession.create(modelBytes, options);
  return {
    direct: false,
    inputs: session.inputMetadata,
    outputs: session.outputMetadata,
    run: (feeds, outputs) => session.run(feeds, outputs as string[]),
    release: () => session.release(),
  };
}

/** An onnxruntime session; `create` reads the signature from the model itself. */
class OrtBackend implements InferenceBackend {
  readonly kind = 'inprocess';
  readonly #session: OrtSession;
  readonly signature: ModelSignature;
  readonly #outputNames: string[];

  private constructor(session: OrtSession) {
    this.#session = session;
    const inputs = session.inputs.map((m) => toSpec(m, 'input')!);
    const outputs = session.outputs.map((m) => toSpec(m, 'output')).filter((s): s is TensorSpec => s !== null);
    if (outputs.length === 0) throw new UnsupportedModelError('the model has no tensor outputs');
    this.signature = { inputs, outputs };
    this.#outputNames = outputs.map((o) => o.name);
  }

  /** Whether runs go straight to the native session (no extra event-loop turn); false on the public API. */
  get direct(): boolean {
    return this.#session.direct;
  }

  static async create(modelBytes: Uint8Array, options: BackendOptions, direct: boolean): Promise<OrtBackend> {
    try {
      assertSelfContained(modelBytes);
    } catch (err) {
      throw new UnsupportedModelError((err as Error).message);
    }
    const spinning = options.allowSpinning ? '1' : '0';
    const sessionOptions: ort.InferenceSession.SessionOptions = {
      intraOpNumThreads: options.intraOpThreads,
      interOpNumThreads: options.interOpThreads,
      graphOptimizationLevel: 'all',
      // NOTE: spinning pool threads steal the cores Fastify and the GC need between requests.
      extra: { session: { intra_op: { allow_spinning: spinning }, inter_op: { allow_spinning: spinning } } },
    };
    const session = (direct ? openNativeSession(modelBytes, sessionOptions) : null) ?? (await openPublicSession(modelBytes, sessionOptions));
    try {
      return new OrtBackend(session);
    } catch (err) {
      await session.release();
      throw err;
    }
  }

  async run(inputs: Record<string, Tensor>, outputs: readonly string[] = this.#outputNames, options: RunOptions = {}): Promise<Record<string, Tensor>> {
    const feeds: Record<string, ort.Tensor> = {};
    for (const name in inputs) {
      const t = inputs[name];
      feeds[name] = new ort.Tensor(TO_ORT[t.datatype], t.data as ort.Tensor.DataType, t.shape);
    }
    // NOTE: on the public API the run starts from a setImmediate; an immediate queued just before it fires just
    // before it, so the time measured from there is the runtime's, not the wait for the event loop's check phase.
    let started = performance.now();
    if (options.timing !== undefined && !this.#session.direct) setImmediate(() => (started = performance.now()));
    const results = await this.#session.run(feeds, outputs);
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

/**
 * `direct` (default) runs on onnxruntime-node's native session without the public API's setImmediate hop, which
 * costs a whole event-loop turn per run (7–13 µs on the benchmark machine against 11–17 µs for the iris run itself);
 * the public API is used where the native binding does not have the expected shape.
 */
export const createOrtBackend = (modelBytes: Uint8Array, options: BackendOptions, { direct = true } = {}): Promise<InferenceBackend & { direct: boolean }> =>
  OrtBackend.create(modelBytes, options, direct);

export const onnxruntimeVersion = (): string => ort.env.versions.common ?? 'unknown';
