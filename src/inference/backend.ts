// The interface every inference backend implements; callers never see onnxruntime itself.
import type { ModelSignature, Tensor } from './tensor.js';

export interface BackendOptions {
  intraOpThreads: number;
  interOpThreads: number;
  allowSpinning: boolean;
}

export interface RunOptions {
  /** The caller gives up the input arrays (e.g. fresh merged batches): a worker may move them instead of copying. */
  transferInputs?: boolean;
  /** Filled by backends that can time the runtime itself, without the event-loop wait before a run starts. */
  timing?: { computeSeconds?: number };
}

/** One loaded model version. `run` may block the event loop (onnxruntime-node does); see ort-backend.ts. */
export interface InferenceBackend {
  readonly signature: ModelSignature;
  /** Where runs happen: on the event loop, or in a worker thread (logged when a version loads). */
  readonly kind?: 'inprocess' | 'worker' | 'process';
  /** Runs the model; `outputs` names which outputs to compute (all tensor outputs when omitted). */
  run(inputs: Record<string, Tensor>, outputs?: readonly string[], options?: RunOptions): Promise<Record<string, Tensor>>;
  dispose(): Promise<void>;
  /** Backends that can die on their own (a session in a child process) call `listener` once when they do. */
  onFailure?(listener: (err: Error) => void): void;
}

/** Builds a backend from model bytes (already verified and decrypted by the repository). */
export type BackendFactory = (modelBytes: Uint8Array, options: BackendOptions) => Promise<InferenceBackend>;

/** Thrown when a model can be parsed but not served (e.g. inputs that are not tensors). */
export class UnsupportedModelError extends Error {}
