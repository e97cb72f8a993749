// The data plane's contract: protocol-neutral requests and results, and what its hooks are told.
import type { ServiceError } from '../errors.js';
import type { ModelVersion } from '../registry/model-version.js';
import type { BatchEvent, RejectReason } from './batcher.js';
import type { ModelSignature, Tensor } from './tensor.js';
import type { InferInput, RequestedOutput } from './validate.js';

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
  /** The caller's deadline (the protocol's `timeout`); it can only shorten the configured one. */
  timeoutMs?: number;
  /** The startup warm-up's request: served as any other, reported to no hook. */
  warmup?: boolean;
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

/** What monitoring hooks see after each inference; the event and its tensors are shared, so hooks must not mutate them. */
export interface InferenceEvent {
  protocol: Protocol;
  version: ModelVersion;
  id: string;
  inputs: Record<string, Tensor>;
  outputs: Record<string, Tensor>;
  /** Compute time of the run that served the request (Triton's compute_infer; a whole batch's when merged). */
  computeSeconds: number;
  /** Time the request waited in its version's queue before its run started (Triton's queue). */
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

/** One execution of a version's model (Triton's batch_stats): a batcher run, merged or alone (see BatchEvent). */
/** A run as hooks see it: never an all-warm-up one (those are reported to no hook). */
export interface BatchRunEvent extends Omit<BatchEvent, 'warmup'> {
  version: ModelVersion;
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
  /** A request refused before it ran: its version's queue was full, or its deadline passed. */
  onReject?(version: ModelVersion, reason: RejectReason): void;
}
