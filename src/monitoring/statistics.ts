// Triton-style per-version statistics (the statistics extension), fed by data-plane and registry hooks.
import { ModelNotFoundError, ModelNotReadyError } from '../errors.js';
import type { BatchRunEvent, DataPlane } from '../inference/data-plane.js';
import type { ModelRegistry } from '../registry/model-registry.js';

/** A count and the total time of those events, in nanoseconds (Triton's duration_stat). */
export interface DurationStat {
  count: number;
  ns: number;
}

export interface BatchStat {
  batch_size: number;
  compute_input: DurationStat;
  compute_infer: DurationStat;
  compute_output: DurationStat;
}

export interface ModelStat {
  name: string;
  version: string;
  /** Milliseconds since the epoch of the last successful inference (0: none yet). */
  last_inference: number;
  /** Successful inferences, counting every row of a batched request. */
  inference_count: number;
  /** Model executions (a batcher's merged run counts once). */
  execution_count: number;
  inference_stats: Record<'success' | 'fail' | 'queue' | 'compute_input' | 'compute_infer' | 'compute_output' | 'cache_hit' | 'cache_miss', DurationStat>;
  response_stats: Record<string, never>;
  batch_stats: BatchStat[];
  memory_usage: never[];
}

const duration = (): DurationStat => ({ count: 0, ns: 0 });
const add = (stat: DurationStat, seconds: number): void => {
  stat.count += 1;
  stat.ns += Math.round(seconds * 1e9);
};

function emptyStat(name: string, version: number): ModelStat {
  const inference_stats = {
    success: duration(), fail: duration(), queue: duration(), compute_input: duration(),
    compute_infer: duration(), compute_output: duration(), cache_hit: duration(), cache_miss: duration(),
  };
  return { name, version: String(version), last_inference: 0, inference_count: 0, execution_count: 0, inference_stats, response_stats: {}, batch_stats: [], memory_usage: [] };
}

/**
 * Statistics live from a version's first READY to its removal (an in-place reload keeps them). A batcher feeds
 * batch_stats through the data plane's onBatch; without one, every request is its own execution.
 */
export class ModelStatistics {
  readonly #stats = new Map<string, Map<number, ModelStat>>();

  constructor(
    private readonly registry: ModelRegistry,
    dataPlane: DataPlane,
  ) {
    registry.addHooks({
      onLoad: (v) => void this.#of(v.name, v.version, true),
      onStateChange: (v, state) => {
        if (state !== null) return;
        this.#stats.get(v.name)?.delete(v.version);
        if (this.#stats.get(v.name)?.size === 0) this.#stats.delete(v.name);
      },
    });
    dataPlane.addHooks({
      onInference: (e) => {
        const stat = this.#of(e.version.name, e.version.version);
        if (stat === undefined) return;
        const s = stat.inference_stats;
        add(s.success, e.totalSeconds);
        add(s.queue, e.queueSeconds);
        add(s.compute_input, e.inputSeconds);
        add(s.compute_infer, e.computeSeconds);
        add(s.compute_output, e.outputSeconds);
        stat.inference_count += e.batchSize;
        stat.last_inference = Date.now();
      },
      onInferenceError: (f) => {
        const stat = this.#of(f.version.name, f.version.version);
        if (stat !== undefined) add(stat.inference_stats.fail, f.seconds);
      },
      onBatch: (b) => this.#recordBatch(b),
    });
  }

  /** Every loaded version's statistics, or one model's, or one version's (404 unknown, 400 known but not loaded). */
  report(model?: string, version?: number): ModelStat[] {
    if (model === undefined) {
      return [...this.#stats.keys()].sort().flatMap((name) => this.report(name));
    }
    const versions = this.#stats.get(model);
    if (version === undefined) {
      if (versions === undefined && !this.registry.has(model)) throw new ModelNotFoundError(model);
      return [...(versions?.values() ?? [])].sort((a, b) => Number(a.version) - Number(b.version)).map((s) => structuredClone(s));
    }
    const stat = versions?.get(version);
    if (stat !== undefined) return [structuredClone(stat)];
    const known = this.registry.index().find((e) => e.name === model && e.version === String(version));
    if (known === undefined) throw new ModelNotFoundError(model, String(version));
    throw new ModelNotReadyError(model, String(version), known.reason || known.state);
  }

  #recordBatch(b: BatchRunEvent): void {
    const stat = this.#of(b.version.name, b.version.version);
    if (stat === undefined) return;
    stat.execution_count += 1;
    let row = stat.batch_stats.find((r) => r.batch_size === b.batchSize);
    if (row === undefined) {
      row = { batch_size: b.batchSize, compute_input: duration(), compute_infer: duration(), compute_output: duration() };
      stat.batch_stats.push(row);
      stat.batch_stats.sort((x, y) => x.batch_size - y.batch_size);
    }
    add(row.compute_input, b.mergeSeconds);
    add(row.compute_infer, b.computeSeconds);
    add(row.compute_output, b.splitSeconds);
  }

  #of(name: string, version: number, create = false): ModelStat | undefined {
    let versions = this.#stats.get(name);
    if (versions === undefined) {
      if (!create) return undefined;
      versions = new Map();
      this.#stats.set(name, versions);
    }
    let stat = versions.get(version);
    if (stat === undefined && create) {
      stat = emptyStat(name, version);
      versions.set(version, stat);
    }
    return stat;
  }
}
