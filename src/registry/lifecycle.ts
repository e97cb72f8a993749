// Builds the model lifecycle from the settings: repository (artifact policy), registry (probe, drain), watcher, control.
import type { Logger } from 'pino';
import type { Config } from '../config/schema.js';
import { createAutoBackend } from '../inference/auto-backend.js';
import type { BackendFactory } from '../inference/backend.js';
import { createLoadProbe } from '../inference/load-probe.js';
import { createOrtBackend } from '../inference/ort-backend.js';
import { processBackendFactory } from '../inference/process-backend.js';
import { createWorkerBackend } from '../inference/worker-backend.js';
import { createArtifactPolicy } from '../repository/artifacts.js';
import { ModelRepository } from '../repository/model-repository.js';
import { RepositoryWatcher } from '../repository/watcher.js';
import { ModelControl } from './model-control.js';
import { ModelRegistry } from './model-registry.js';
import type { LoadProbe } from './version-loader.js';

export interface LifecycleDeps {
  logger: Logger;
  createBackend?: BackendFactory;
  /** Replaces the load probe (tests); null turns it off whatever the settings say. */
  probe?: LoadProbe | null;
}

export interface ModelLifecycle {
  repository: ModelRepository;
  registry: ModelRegistry;
  watcher: RepositoryWatcher | null;
  control: ModelControl;
  /** The startup load; in poll mode the watcher's baseline is taken first and polling starts after. */
  start(): Promise<void>;
  /** Stops polling, then drains and releases every version. */
  stop(): Promise<void>;
}

export function createModelLifecycle(config: Config, deps: LifecycleDeps): ModelLifecycle {
  const loadTimeoutMs = config.loadTimeoutSeconds * 1000;
  const backends: Record<Config['backend'], BackendFactory> = {
    auto: createAutoBackend(config.workerThresholdMs),
    inprocess: createOrtBackend,
    worker: createWorkerBackend,
    process: processBackendFactory({ loadTimeoutMs }),
  };
  // NOTE: the process backend already keeps every run out of the server's process; probing first would load twice.
  const probe = deps.probe !== undefined ? (deps.probe ?? undefined) : config.loadProbe && config.backend !== 'process' ? createLoadProbe({ loadTimeoutMs }) : undefined;
  const repository = new ModelRepository(config.models, createArtifactPolicy(config));
  const registry = new ModelRegistry({
    repository,
    createBackend: deps.createBackend ?? backends[config.backend],
    backendOptions: { intraOpThreads: config.intraOpThreads, interOpThreads: config.interOpThreads, allowSpinning: config.allowSpinning },
    warmup: config.warmup,
    probe,
    loadTimeoutMs,
    drainTimeoutMs: config.drainTimeoutSeconds * 1000,
    logger: deps.logger,
  });
  const watcher = config.modelControl === 'poll'
    ? new RepositoryWatcher({ repository, target: registry, intervalMs: config.pollIntervalSeconds * 1000, logger: deps.logger })
    : null;
  const control = new ModelControl({ registry, repository, watcher, logger: deps.logger });
  return {
    repository,
    registry,
    watcher,
    control,
    async start() {
      await watcher?.prime();
      await registry.loadAll();
      watcher?.start();
    },
    async stop() {
      await watcher?.stop();
      await registry.close();
    },
  };
}
