// Polls the model repository and hands complete changes to the registry: new, changed and removed versions and models.
import type { Logger } from 'pino';
import type { ModelRepository } from './model-repository.js';
import { appliedFrom, planPoll, type ModelSnapshot, type RepositorySnapshot } from './poll-plan.js';

/** The part of the registry the watcher drives. */
export interface WatchTarget {
  loadModel(name: string, options: { skip: ReadonlySet<number> }): Promise<void>;
  unloadModel(name: string): Promise<void>;
  names(): string[];
}

export interface WatcherOptions {
  repository: ModelRepository;
  target: WatchTarget;
  intervalMs: number;
  logger: Logger;
}

export class RepositoryWatcher {
  readonly #opts: WatcherOptions;
  #previous: RepositorySnapshot = new Map();
  #applied = new Map<string, string>();
  readonly #held = new Set<string>();
  readonly #warned = new Set<string>();
  #timer: NodeJS.Timeout | undefined;
  #polling: Promise<void> | null = null;
  #stopped = false;

  constructor(options: WatcherOptions) {
    if (!(options.intervalMs > 0)) throw new Error(`poll interval must be positive, got ${options.intervalMs} ms`);
    this.#opts = options;
  }

  /** Takes the baseline before the startup load, so anything written after it shows up as a change. */
  async prime(): Promise<void> {
    this.#previous = await this.#snapshot();
    this.#applied = appliedFrom(this.#previous);
  }

  start(): void {
    this.#stopped = false;
    this.#schedule();
  }

  /** Stops polling; resolves once a poll in progress (and the loads it started) has finished. */
  async stop(): Promise<void> {
    this.#stopped = true;
    clearTimeout(this.#timer);
    await this.#polling;
  }

  /** Leaves a model alone (unloaded through the API) until `release`. */
  hold(name: string): void {
    this.#held.add(name);
  }

  release(name: string): void {
    this.#held.delete(name);
  }

  /** One poll: snapshot the disk, then load and unload what settled. Never throws. */
  poll(): Promise<void> {
    this.#polling ??= this.#pollOnce().finally(() => (this.#polling = null));
    return this.#polling;
  }

  #schedule(): void {
    if (this.#stopped) return;
    // NOTE: a chain of timeouts, not an interval: a slow load delays the next poll instead of piling polls up.
    this.#timer = setTimeout(() => void this.poll().finally(() => this.#schedule()), this.#opts.intervalMs);
    this.#timer.unref();
  }

  async #pollOnce(): Promise<void> {
    const log = this.#opts.logger;
    let current: RepositorySnapshot;
    try {
      current = await this.#snapshot();
    } catch (err) {
      // NOTE: an unreadable repository (a volume being remounted) must not unload every model.
      log.error({ err: (err as Error).message, path: this.#opts.repository.root }, 'cannot read the model repository; keeping what is loaded');
      return;
    }
    const actions = planPoll(this.#previous, current, this.#applied, this.#held, new Set(this.#opts.target.names()));
    this.#previous = current;
    this.#applied = actions.applied;
    for (const { name, skip } of actions.load) {
      if (this.#stopped) return;
      if (skip.size > 0) log.info({ model: name, versions: [...skip] }, 'versions still being written; waiting for them to settle');
      log.info({ model: name }, 'model changed on disk; applying');
      await this.#opts.target.loadModel(name, { skip }).catch((err: Error) => log.error({ model: name, err: err.message }, 'applying a repository change failed'));
    }
    for (const name of actions.unload) {
      if (this.#stopped) return;
      log.info({ model: name }, 'model directory removed; unloading');
      await this.#opts.target.unloadModel(name).catch((err: Error) => log.error({ model: name, err: err.message }, 'unloading a removed model failed'));
    }
  }

  async #snapshot(): Promise<RepositorySnapshot> {
    const repository = this.#opts.repository;
    const snapshot = new Map<string, ModelSnapshot>();
    for (const name of await repository.list()) {
      const source = await repository.read(name);
      if (source === null) continue;
      snapshot.set(name, {
        configHash: source.configHash,
        versions: new Map(source.versions.map((v) => [v.version, { fingerprint: v.fingerprint, manifestComplete: v.manifestComplete }])),
      });
    }
    for (const w of repository.warnings) {
      const key = `${w.path}\0${w.message}`;
      if (this.#warned.has(key)) continue;
      this.#warned.add(key);
      this.#opts.logger.warn({ path: w.path }, w.message);
    }
    return snapshot;
  }
}
