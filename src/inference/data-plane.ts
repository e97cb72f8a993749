// Protocol-neutral inference: resolve the version, validate and decode, run, post-process, notify hooks.
import { randomUUID } from 'node:crypto';
import { InferenceFailedError, ServiceError } from '../errors.js';
import type { ModelRegistry } from '../registry/model-registry.js';
import type { ModelVersion } from '../registry/model-version.js';
import { labelsFor } from '../repository/model-config.js';
import { classify } from './classification.js';
import type { ModelSignature, Tensor } from './tensor.js';
import { decodeInputs, resolveOutputs, type InferInput, type RequestedOutput } from './validate.js';

export type Protocol = 'v2' | 'v1';

export interface InferenceRequest {
  protocol: Protocol;
  model: string;
  version?: number;
  /** The caller's id; one is generated when absent so feedback can refer to every prediction. */
  id?: string;
  inputs: InferInput[];
  outputs?: RequestedOutput[];
  /** Encoding of outputs the request did not name. */
  binaryOutputs?: boolean;
}

export interface NamedTensor extends Tensor {
  name: string;
  binary: boolean;
}

export interface InferenceResult {
  model: string;
  version: number;
  id: string;
  outputs: NamedTensor[];
}

/** What monitoring hooks see after each inference; tensors are shared, so hooks must not mutate them. */
export interface InferenceEvent {
  protocol: Protocol;
  version: ModelVersion;
  id: string;
  inputs: Record<string, Tensor>;
  outputs: Record<string, Tensor>;
  /** Compute time of the run that served the request (Triton's compute_infer). */
  computeSeconds: number;
  /** Time the request waited before its run started (Triton's queue). */
  queueSeconds: number;
  /** Rows the request carried (its batch dimension; 1 for models without one). */
  batchSize: number;
  /** Validating and decoding the inputs (compute_input). */
  inputSeconds: number;
  /** Post-processing the outputs: selection, classification (compute_output). */
  outputSeconds: number;
  /** From the data plane taking the request to its result (Triton's success duration). */
  totalSeconds: number;
}

export interface InferenceFailure {
  protocol: Protocol;
  version: ModelVersion;
  error: ServiceError;
  /** From the data plane taking the request to its failure. */
  seconds: number;
}

/** One execution of a version's model (Triton's batch_stats): each request's own run, or a batcher's merged run. */
export interface BatchRunEvent {
  version: ModelVersion;
  /** Requests the run served. */
  requests: number;
  /** Rows in the run. */
  batchSize: number;
  /** Preparing the run's inputs (a merge; decoding for a lone request): compute_input. */
  mergeSeconds: number;
  computeSeconds: number;
  /** Handing outputs back (a split; post-processing for a lone request): compute_output. */
  splitSeconds: number;
}

/** What metadata endpoints report about a model (or one version of it). */
export interface ModelDescription {
  name: string;
  /** The version described: the one asked for, else the one serving unversioned requests. */
  version: number;
  /** Every READY version, oldest first. */
  versions: number[];
  signature: ModelSignature;
}

export interface DataPlaneHooks {
  onInference?(event: InferenceEvent): void;
  onInferenceError?(failure: InferenceFailure): void;
  /** Outputs a hook needs computed even when a request does not ask for them (e.g. the prediction monitoring watches). */
  outputsFor?(version: ModelVersion): readonly string[];
  onBatch?(event: BatchRunEvent): void;
}

const since = (start: bigint): number => Number(process.hrtime.bigint() - start) / 1e9;

/** Rows of a request: the first input's leading dimension when the model leaves it dynamic, else 1. */
function rowsOf(signature: ModelSignature, inputs: Record<string, Tensor>): number {
  const first = signature.inputs[0];
  return first !== undefined && first.shape[0] === -1 ? (inputs[first.name]?.shape[0] ?? 1) : 1;
}

export class DataPlane {
  readonly #hooks: DataPlaneHooks[] = [];

  constructor(readonly registry: ModelRegistry) {}

  addHooks(hooks: DataPlaneHooks): void {
    this.#hooks.push(hooks);
  }

  /** Metadata of the version a request without a version would reach (or of the one named). */
  describe(model: string, version?: number): ModelDescription {
    const resolved = this.registry.resolve(model, version);
    const versions = this.registry.readyVersions(model).map((v) => v.version);
    return { name: model, version: resolved.version, versions, signature: resolved.signature };
  }

  async infer(request: InferenceRequest): Promise<InferenceResult> {
    const version = this.registry.resolve(request.model, request.version);
    const started = process.hrtime.bigint();
    version.acquire();
    try {
      return await this.#inferOn(version, request, started);
    } catch (err) {
      const error = err instanceof ServiceError ? err : new InferenceFailedError('inference failed', { cause: err });
      for (const h of this.#hooks) h.onInferenceError?.({ protocol: request.protocol, version, error, seconds: since(started) });
      throw error;
    } finally {
      version.release();
    }
  }

  async #inferOn(version: ModelVersion, request: InferenceRequest, started: bigint): Promise<InferenceResult> {
    const signature = version.signature;
    const inputs = decodeInputs(signature, request.inputs);
    const wanted = resolveOutputs(signature, request.outputs, request.binaryOutputs ?? false);
    const inputSeconds = since(started);
    const names = wanted.map((o) => o.name);
    for (const h of this.#hooks) for (const n of h.outputsFor?.(version) ?? []) if (!names.includes(n)) names.push(n);
    const ran = process.hrtime.bigint();
    let raw: Record<string, Tensor>;
    try {
      raw = await version.backend!.run(inputs, names);
    } catch (err) {
      throw new InferenceFailedError(`onnxruntime failed on ${version.name}/${version.version}: ${(err as Error).message}`, { cause: err });
    }
    const computeSeconds = since(ran);
    const computed = process.hrtime.bigint();
    const id = request.id ?? randomUUID();
    const outputs = wanted.map((o): NamedTensor => {
      const tensor = o.classification === undefined ? raw[o.name] : classify(raw[o.name], o.classification, labelsFor(version.config, o.name));
      return { name: o.name, binary: o.binary, ...tensor };
    });
    const outputSeconds = since(computed);
    const batchSize = rowsOf(signature, inputs);
    const timings = { computeSeconds, queueSeconds: 0, batchSize, inputSeconds, outputSeconds, totalSeconds: since(started) };
    for (const h of this.#hooks) h.onInference?.({ protocol: request.protocol, version, id, inputs, outputs: raw, ...timings });
    // NOTE: without a batcher every request is its own execution; a batcher reports its merged runs itself.
    const run: BatchRunEvent = { version, requests: 1, batchSize, mergeSeconds: inputSeconds, computeSeconds, splitSeconds: outputSeconds };
    for (const h of this.#hooks) h.onBatch?.(run);
    return { model: version.name, version: version.version, id, outputs };
  }
}
