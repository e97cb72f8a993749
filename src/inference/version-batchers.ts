// One Batcher per READY model version, attached through registry hooks: created on load, closed on unload.
import { UnavailableError } from '../errors.js';
import type { ModelRegistry } from '../registry/model-registry.js';
import type { ModelVersion } from '../registry/model-version.js';
import type { ModelConfig } from '../repository/model-config.js';
import { isBatchable } from './batch-merge.js';
import { Batcher, type BatchEvent, type BatcherSettings, type RejectReason } from './batcher.js';

/** Server-wide defaults; model.yaml `batching` overrides them per model. */
export interface BatchingDefaults {
  maxBatchSize: number;
  maxQueueDelayMs: number;
  maxQueueSize: number;
  timeoutMs: number;
}

export interface VersionBatcherHooks {
  onBatch(version: ModelVersion, event: BatchEvent): void;
  onReject(version: ModelVersion, reason: RejectReason): void;
  onContractBroken(version: ModelVersion, message: string): void;
}

/** The settings a version's batcher runs with: model.yaml first, then the server's defaults. */
export function batcherSettings(version: ModelVersion, defaults: BatchingDefaults): BatcherSettings {
  const b = version.config.batching;
  const maxBatchSize = b.maxBatchSize ?? defaults.maxBatchSize;
  return {
    batchable: maxBatchSize > 1 && isBatchable(version.signature),
    maxBatchSize,
    maxQueueDelayMs: b.maxQueueDelayMs ?? defaults.maxQueueDelayMs,
    // NOTE: sizes above a server-default maximum can't be formed; model.yaml validation catches explicit conflicts.
    preferredBatchSizes: (b.preferredBatchSizes ?? []).filter((p) => p <= maxBatchSize),
    maxQueueSize: b.maxQueueSize ?? defaults.maxQueueSize,
    timeoutMs: b.timeoutMs ?? defaults.timeoutMs,
  };
}

export class VersionBatchers {
  readonly #byVersion = new Map<ModelVersion, { batcher: Batcher; config: ModelConfig }>();

  constructor(
    registry: ModelRegistry,
    private readonly defaults: BatchingDefaults,
    hooks: VersionBatcherHooks,
  ) {
    registry.addHooks({
      onLoad: (version) => {
        const batcher = new Batcher(`model '${version.name}' version ${version.version}`, async (inputs, outputs, options) => {
          if (version.backend === null) throw new UnavailableError(`model '${version.name}' version ${version.version} is unloading`);
          // NOTE: a run whose callers all timed out still holds the version, so an unload never releases its session mid-run.
          version.acquire();
          try {
            return await version.backend.run(inputs, outputs, options);
          } finally {
            version.release();
          }
        }, batcherSettings(version, defaults), {
          onBatch: (event) => hooks.onBatch(version, event),
          onReject: (reason) => hooks.onReject(version, reason),
          onContractBroken: (message) => hooks.onContractBroken(version, message),
        });
        this.#byVersion.set(version, { batcher, config: version.config });
      },
      onUnload: (version) => {
        const entry = this.#byVersion.get(version);
        this.#byVersion.delete(version);
        void entry?.batcher.close();
      },
    });
  }

  /** The version's batcher, following model.yaml changes picked up by a reload. */
  get(version: ModelVersion): Batcher | undefined {
    const entry = this.#byVersion.get(version);
    if (entry !== undefined && entry.config !== version.config) {
      entry.batcher.configure(batcherSettings(version, this.defaults));
      entry.config = version.config;
    }
    return entry?.batcher;
  }

  /** Queue depth of every loaded version, for the queue-depth gauge. */
  depths(): { version: ModelVersion; depth: number }[] {
    return [...this.#byVersion].map(([version, { batcher }]) => ({ version, depth: batcher.depth }));
  }
}
