// The batcher's contract: settings (validated), per-run events, refusals and results.
import type { RunOptions } from './backend.js';
import type { Tensor } from './tensor.js';

export type RunFn = (inputs: Record<string, Tensor>, outputs: readonly string[], options?: RunOptions) => Promise<Record<string, Tensor>>;

export interface BatcherSettings {
  /** Whether requests may be merged at all (every input and output has a dynamic first dimension). */
  batchable: boolean;
  maxBatchSize: number;
  maxQueueDelayMs: number;
  preferredBatchSizes: readonly number[];
  maxQueueSize: number;
  timeoutMs: number;
  /** How long full batches may run back to back before the event loop gets a turn (default 4 ms; tests change it). */
  turnBudgetMs?: number;
}

/** Per-run facts for statistics (Triton's batch_stats) and metrics; emitted once per run, after its members settle. */
export interface BatchEvent {
  /** Requests served by this run. */
  requests: number;
  /** Rows in the run (the batch dimension). */
  batchSize: number;
  /** Seconds each member waited in the queue, in member order. */
  queueSeconds: number[];
  mergeSeconds: number;
  computeSeconds: number;
  splitSeconds: number;
  /** The merged run failed or broke the batch contract, so its members were run one by one. */
  fallback: boolean;
  /** Every member was the startup warm-up's: the run is reported to no hook. */
  warmup: boolean;
}

export type RejectReason = 'queue_full' | 'timeout';

export interface BatcherHooks {
  onBatch?(event: BatchEvent): void;
  onReject?(reason: RejectReason): void;
  /** The model's outputs did not split by rows; merging is turned off for this version. */
  onContractBroken?(message: string): void;
}

export interface BatchResult {
  outputs: Record<string, Tensor>;
  queueSeconds: number;
  computeSeconds: number;
  batchSize: number;
}

/** Throws listing every problem; returns a copy the batcher can keep. */
export function validateBatcherSettings(s: BatcherSettings): BatcherSettings {
  const problems: string[] = [];
  if (!Number.isInteger(s.maxBatchSize) || s.maxBatchSize < 1) problems.push('maxBatchSize must be an integer ≥ 1');
  if (!(s.maxQueueDelayMs >= 0)) problems.push('maxQueueDelayMs must be ≥ 0');
  if (!Number.isInteger(s.maxQueueSize) || s.maxQueueSize < 1) problems.push('maxQueueSize must be an integer ≥ 1');
  if (!(s.timeoutMs > 0) || s.timeoutMs > 2 ** 31 - 1) problems.push('timeoutMs must be in (0, 2^31) ms');
  if (s.turnBudgetMs !== undefined && !(s.turnBudgetMs >= 0)) problems.push('turnBudgetMs must be ≥ 0');
  if (s.preferredBatchSizes.some((p) => !Number.isInteger(p) || p < 1 || p > s.maxBatchSize)) problems.push('preferredBatchSizes must be integers in [1, maxBatchSize]');
  if (problems.length > 0) throw new Error(`invalid batcher settings: ${problems.join('; ')}`);
  return { ...s, preferredBatchSizes: [...s.preferredBatchSizes] };
}
