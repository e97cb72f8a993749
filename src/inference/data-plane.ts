// Protocol-neutral inference: resolve the version, validate and decode, run, post-process, notify hooks.
import { performance } from 'node:perf_hooks';
import { InferenceFailedError, ModelNotReadyError, ServiceError } from '../errors.js';
import type { ModelRegistry } from '../registry/model-registry.js';
import type { ModelVersion } from '../registry/model-version.js';
import { labelsFor } from '../repository/model-config.js';
import { requestUuid } from '../request-id.js';
import type { Batcher, BatchResult } from './batcher.js';
import type { BatchRunEvent, DataPlaneHooks, InferenceEvent, InferenceRequest, InferenceResult, ModelDescription, NamedTensor } from './data-plane-types.js';
import { classify } from './classification.js';
import type { ModelSignature, Tensor } from './tensor.js';
import { decodeInputs, resolveOutputs, type RequestedOutput } from './validate.js';
import { VersionBatchers, type BatchingDefaults } from './version-batchers.js';

export type { BatchRunEvent, DataPlaneHooks, InferenceEvent, InferenceFailure, InferenceRequest, InferenceResult, ModelDescription, NamedTensor, Protocol } from './data-plane-types.js';

interface OutputPlan {
  wanted: readonly RequestedOutput[];
  /** Outputs to compute: the wanted ones plus those a hook reads. */
  names: readonly string[];
}

interface Prepared extends OutputPlan {
  batcher: Batcher;
  inputs: Record<string, Tensor>;
  inputSeconds: number;
}

/** NOTE: performance.now() rather than process.hrtime.bigint(), which allocates a BigInt on every read. */
const since = (startMs: number, nowMs = performance.now()): number => (nowMs - startMs) / 1000;

/** Rows of a request: the first input's leading dimension when the model leaves it dynamic, else 1. */
function rowsOf(signature: ModelSignature, inputs: Record<string, Tensor>): number {
  const first = signature.inputs[0];
  return first !== undefined && first.shape[0] === -1 ? (inputs[first.name]?.shape[0] ?? 1) : 1;
}

export class DataPlane {
  readonly #hooks: DataPlaneHooks[] = [];
  readonly #plans = new WeakMap<ModelVersion, [OutputPlan | undefined, OutputPlan | undefined]>();
  readonly batchers: VersionBatchers;

  constructor(readonly registry: ModelRegistry, batching: BatchingDefaults) {
    this.batchers = new VersionBatchers(registry, batching, {
      onBatch: (version, event) => {
        if (event.warmup) return;
        // NOTE: one event object for every hook (hooks must not mutate it), not a copy per hook. Written out field
        // by field: `{ ...event, version }` went through V8's runtime, which built new hidden classes for the copy
        // on every batch, so every hook's reads of it were megamorphic (perf, one request per run).
        const run: BatchRunEvent = {
          version,
          requests: event.requests,
          batchSize: event.batchSize,
          queueSeconds: event.queueSeconds,
          mergeSeconds: event.mergeSeconds,
          computeSeconds: event.computeSeconds,
          splitSeconds: event.splitSeconds,
          fallback: event.fallback,
        };
        for (const h of this.#hooks) h.onBatch?.(run);
      },
      onReject: (version, reason) => {
        for (const h of this.#hooks) h.onReject?.(version, reason);
      },
      onContractBroken: (version, message) => registry.logger.warn({ model: version.name, version: version.version }, message),
    });
  }

  addHooks(hooks: DataPlaneHooks): void {
    this.#hooks.push(hooks);
  }

  /** Metadata of the version a request without a version would reach (or of the one named). */
  describe(model: string, version?: number): ModelDescription {
    const resolved = this.registry.resolve(model, version);
    const versions = this.registry.readyVersions(model).map((v) => v.version);
    return { name: model, version: resolved.version, versions, signature: resolved.signature };
  }

  /** NOTE: one async frame per request (the rest is synchronous), since each await costs microtasks at 10k+ requests/s. */
  async infer(request: InferenceRequest): Promise<InferenceResult> {
    const version = this.registry.resolve(request.model, request.version);
    const started = performance.now();
    version.acquire();
    try {
      const prepared = this.#prepare(version, request, started);
      let result: BatchResult;
      try {
        result = await prepared.batcher.submit(prepared.inputs, prepared.names, request.timeoutMs, request.warmup === true);
      } catch (err) {
        if (err instanceof ServiceError) throw err;
        throw new InferenceFailedError(`onnxruntime failed on ${version.name}/${version.version}: ${(err as Error).message}`, { cause: err });
      }
      return this.#finish(version, request, prepared, result, started);
    } catch (err) {
      const error = err instanceof ServiceError ? err : new InferenceFailedError('inference failed', { cause: err });
      if (request.warmup !== true) for (const h of this.#hooks) h.onInferenceError?.({ protocol: request.protocol, version, error, seconds: since(started) });
      throw error;
    } finally {
      version.release();
    }
  }

  /** Admission, validation and decoding: everything before the request joins its version's queue. */
  #prepare(version: ModelVersion, request: InferenceRequest, started: number): Prepared {
    const batcher = this.batchers.get(version);
    if (batcher === undefined) throw new ModelNotReadyError(version.name, String(version.version), 'not serving');
    // NOTE: a full queue answers before decoding, so shedding load costs little CPU and no memory.
    batcher.admit(request.warmup === true);
    const signature = version.signature;
    const inputs = decodeInputs(signature, request.inputs);
    const binary = request.binaryOutputs ?? false;
    const { wanted, names } = request.outputs === undefined ? this.#allOutputs(version, binary) : this.#outputPlan(version, request.outputs, binary);
    return { batcher, inputs, wanted, names, inputSeconds: since(started) };
  }

  #outputPlan(version: ModelVersion, requested: readonly RequestedOutput[] | undefined, binary: boolean): OutputPlan {
    const wanted = resolveOutputs(version.signature, requested, binary);
    const names = wanted.map((o) => o.name);
    for (const h of this.#hooks) for (const n of h.outputsFor?.(version) ?? []) if (!names.includes(n)) names.push(n);
    return { wanted, names };
  }

  /**
   * NOTE: most requests name no outputs; their plan is made once per version and encoding, and the same arrays
   * go to every such request (the batcher keys its merges on them). Hooks' outputs are fixed once a version loads.
   */
  #allOutputs(version: ModelVersion, binary: boolean): OutputPlan {
    let plans = this.#plans.get(version);
    if (plans === undefined) this.#plans.set(version, (plans = [undefined, undefined]));
    // NOTE: a plan that fails (FP16 outputs asked for as JSON) throws each time and is never kept.
    return (plans[binary ? 1 : 0] ??= this.#outputPlan(version, undefined, binary));
  }

  /** Post-processing (selection, classification) and the monitoring hooks, once the run has answered. */
  #finish(version: ModelVersion, request: InferenceRequest, prepared: Prepared, result: BatchResult, started: number): InferenceResult {
    const { outputs: raw, computeSeconds, queueSeconds } = result;
    const computed = performance.now();
    const id = request.id ?? requestUuid();
    const outputs = prepared.wanted.map((o): NamedTensor => {
      const tensor = o.classification === undefined ? raw[o.name] : classify(raw[o.name], o.classification, labelsFor(version.config, o.name));
      return { name: o.name, binary: o.binary, datatype: tensor.datatype, shape: tensor.shape, data: tensor.data };
    });
    // NOTE: one clock read for both: on the benchmark VM each read costs tens of ns.
    const finished = performance.now();
    const outputSeconds = since(computed, finished);
    // NOTE: the batcher reports each run (merged or alone) through onBatch; here only this request's facts.
    if (this.#hooks.length > 0 && request.warmup !== true) {
      const event: InferenceEvent = {
        protocol: request.protocol, version, id, inputs: prepared.inputs, outputs: raw, computeSeconds, queueSeconds,
        batchSize: rowsOf(version.signature, prepared.inputs), inputSeconds: prepared.inputSeconds, outputSeconds, totalSeconds: since(started, finished),
      };
      for (const h of this.#hooks) h.onInference?.(event);
    }
    return { model: version.name, version: version.version, id, outputs };
  }
}
