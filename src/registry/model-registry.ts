// MEMORY: the loaded versions of every model, their states, and version resolution for requests.
import type { Logger } from 'pino';
import { ModelNotFoundError, ModelNotReadyError, UnavailableError } from '../errors.js';
import { DEFAULT_MODEL_CONFIG, type ModelConfig } from '../repository/model-config.js';
import type { ModelSource, VersionSource } from '../repository/model-repository.js';
import { sha256Hex } from '../repository/version-files.js';
import { KeyedLock } from './keyed-lock.js';
import { ModelVersion, type VersionState } from './model-version.js';
import { planVersions } from './version-policy.js';
import { VersionTransitions, type RegistryHooks, type TransitionOptions } from './version-transitions.js';

export type { RegistryHooks };

export type RegistryOptions = TransitionOptions;

export interface LoadOptions {
  /** Versions not to load now (still being copied); a serving one among them keeps serving unchanged. */
  skip?: ReadonlySet<number>;
  /** Retry versions that failed even when neither their files nor the config changed (an explicit load request). */
  retryFailed?: boolean;
  /** Serve with this config instead of model.yaml (a load request's override); null drops an earlier override. */
  config?: ModelConfig | null;
}

export interface IndexEntry {
  name: string;
  version: string;
  state: VersionState;
  reason: string;
}

interface ModelEntry {
  name: string;
  versions: Map<number, ModelVersion>;
  /** Why the model as a whole can't load (bad model.yaml); serving versions are kept. */
  error: string;
  /** The last valid model.yaml (a rejected one leaves the serving versions, and this, as they were). */
  config?: ModelConfig;
  override?: ModelConfig;
}

const attemptKey = (source: VersionSource, config: ModelConfig): string => `${source.fingerprint}:${sha256Hex(JSON.stringify(config)).slice(0, 16)}`;

export class ModelRegistry {
  readonly #models = new Map<string, ModelEntry>();
  readonly #opts: RegistryOptions;
  readonly #versions: VersionTransitions;
  readonly #lock = new KeyedLock();
  #closed = false;

  constructor(options: RegistryOptions) {
    this.#opts = options;
    this.#versions = new VersionTransitions(options);
  }

  get logger(): Logger {
    return this.#opts.logger;
  }

  addHooks(hooks: RegistryHooks): void {
    this.#versions.hooks.push(hooks);
  }

  /** Loads every model in the repository; failures are recorded per version, never thrown. */
  async loadAll(): Promise<void> {
    const names = await this.#opts.repository.list();
    for (const name of names) await this.loadModel(name);
    for (const w of this.#opts.repository.warnings) this.#opts.logger.warn({ path: w.path }, w.message);
  }

  /**
   * Brings one model in line with its directory and version policy: new versions are loaded and warmed up
   * before the versions they replace are drained; versions whose files changed are reloaded the same way.
   * One load or unload per model runs at a time.
   */
  loadModel(name: string, options: LoadOptions = {}): Promise<void> {
    return this.#lock.run(name, async () => {
      if (this.#closed) throw new UnavailableError('the server is shutting down');
      const source = await this.#opts.repository.read(name);
      if (source === null) throw new ModelNotFoundError(name);
      await this.#apply(this.#entry(name), source, options);
    });
  }

  /** Drains and releases every version of a model. */
  unloadModel(name: string): Promise<void> {
    return this.#lock.run(name, async () => {
      const entry = this.#models.get(name);
      if (entry === undefined) throw new ModelNotFoundError(name);
      for (const version of [...entry.versions.values()]) await this.#unload(entry, version);
      this.#models.delete(name);
    });
  }

  /** The version a request should use: the one asked for, else the newest READY one. */
  resolve(name: string, version?: number): ModelVersion {
    const entry = this.#models.get(name);
    if (entry === undefined) throw new ModelNotFoundError(name);
    if (version !== undefined) {
      const v = entry.versions.get(version);
      if (v === undefined) throw new ModelNotFoundError(name, String(version));
      if (v.state !== 'READY') throw new ModelNotReadyError(name, String(version), v.reason || v.state);
      return v;
    }
    // NOTE: on every unversioned request, so no array is built or sorted here.
    let newest: ModelVersion | undefined;
    for (const v of entry.versions.values()) if (v.state === 'READY' && (newest === undefined || v.version > newest.version)) newest = v;
    if (newest === undefined) throw new ModelNotReadyError(name, undefined, entry.error || 'no version is ready');
    return newest;
  }

  /** The model's settings as it serves: a load request's override, else its last valid model.yaml (undefined for unknown models). */
  config(name: string): ModelConfig | undefined {
    const entry = this.#models.get(name);
    return entry?.override ?? entry?.config;
  }

  has(name: string): boolean {
    return this.#models.has(name);
  }

  names(): string[] {
    return [...this.#models.keys()].sort();
  }

  /** READY versions of a model, oldest first. */
  readyVersions(name: string): ModelVersion[] {
    const entry = this.#models.get(name);
    if (entry === undefined) return [];
    return [...entry.versions.values()].filter((v) => v.state === 'READY').sort((a, b) => a.version - b.version);
  }

  /** Every known version with its state, as the repository index reports it. */
  index(): IndexEntry[] {
    const out: IndexEntry[] = [];
    for (const entry of this.#models.values()) {
      for (const v of [...entry.versions.values()].sort((a, b) => a.version - b.version)) {
        out.push({ name: entry.name, version: String(v.version), state: v.state, reason: v.reason });
      }
      if (entry.versions.size === 0) out.push({ name: entry.name, version: '', state: 'UNAVAILABLE', reason: entry.error || 'no versions' });
    }
    return out.sort((a, b) => a.name.localeCompare(b.name));
  }

  /** Versions that failed to load, for readiness reporting. */
  failures(): IndexEntry[] {
    return this.index().filter((e) => e.state === 'UNAVAILABLE' && e.reason !== '');
  }

  /** Refuses further loads, waits for running ones, then drains and releases everything. */
  async close(): Promise<void> {
    this.#closed = true;
    await Promise.all(this.names().map((name) => this.unloadModel(name).catch(() => undefined)));
  }

  #entry(name: string): ModelEntry {
    let entry = this.#models.get(name);
    if (entry === undefined) {
      entry = { name, versions: new Map(), error: '' };
      this.#models.set(name, entry);
    }
    return entry;
  }

  async #apply(entry: ModelEntry, source: ModelSource, options: LoadOptions): Promise<void> {
    if (options.config !== undefined) entry.override = options.config ?? undefined;
    const config = entry.override ?? source.config;
    if (config === null) {
      entry.error = source.configError ?? 'model.yaml is invalid';
      this.#opts.logger.error({ model: entry.name, reason: entry.error }, 'model.yaml rejected; versions already serving keep serving');
      // NOTE: versions on disk that are not serving show the reason in the index, metrics and readiness.
      for (const v of source.versions) {
        const existing = entry.versions.get(v.version);
        if (existing?.state === 'READY' || existing?.state === 'UNLOADING') continue;
        const failed = existing ?? new ModelVersion(entry.name, v.version, DEFAULT_MODEL_CONFIG);
        entry.versions.set(v.version, failed);
        this.#versions.fail(failed, 'config', entry.error);
      }
      return;
    }
    entry.error = '';
    if (source.config !== null) entry.config = source.config;
    const skip = options.skip ?? new Set<number>();
    const onDisk = new Map(source.versions.map((v) => [v.version, v]));
    const isServing = (v: number) => entry.versions.get(v)?.state === 'READY';
    const usable = source.versions.filter((v) => !skip.has(v.version) || isServing(v.version)).map((v) => v.version);
    const plan = planVersions(config.versionPolicy, usable);
    const keep = new Set<number>();
    for (const candidate of plan.candidates) {
      if (keep.size >= plan.want) break;
      const version = skip.has(candidate)
        ? entry.versions.get(candidate)!
        : await this.#ensureLoaded(entry, config, onDisk.get(candidate)!, options.retryFailed === true);
      if (version.state === 'READY') keep.add(candidate);
    }
    for (const missing of plan.missing) this.#opts.logger.warn({ model: entry.name, version: missing }, 'version named by the policy is not on disk');
    for (const version of [...entry.versions.values()]) {
      if (keep.has(version.version)) continue;
      if (version.state === 'UNAVAILABLE' && onDisk.has(version.version)) continue; // NOTE: keeps its reason visible in the index
      await this.#unload(entry, version);
    }
  }

  async #ensureLoaded(entry: ModelEntry, config: ModelConfig, source: VersionSource, retryFailed: boolean): Promise<ModelVersion> {
    const existing = entry.versions.get(source.version);
    const key = attemptKey(source, config);
    if (existing?.state === 'READY') {
      existing.config = config;
      if (existing.fingerprint === source.fingerprint || (existing.rejectedUpdate === key && !retryFailed)) return existing;
      return this.#replace(entry, existing, config, source, key);
    }
    if (existing?.state === 'UNAVAILABLE' && existing.loadedFrom === key && !retryFailed) return existing;
    const version = new ModelVersion(entry.name, source.version, config);
    entry.versions.set(version.version, version);
    this.#versions.setState(version, 'LOADING');
    if (await this.#versions.load(version, source, key, true)) this.#serve(version);
    return version;
  }

  #serve(version: ModelVersion): void {
    this.#versions.serve(version, (err) => void this.#lost(version, err));
  }

  /**
   * The process hosting a READY version's session died (the model crashed onnxruntime on some input): the version
   * leaves traffic with the reason, and the model is re-planned, so an older version can take over. The same
   * files are not retried until they change or a load request asks.
   */
  async #lost(version: ModelVersion, err: Error): Promise<void> {
    await this.#lock.run(version.name, async () => {
      if (this.#models.get(version.name)?.versions.get(version.version) !== version || version.state !== 'READY') return;
      const reason = `${err.message} while serving; reload it to try again`;
      this.#opts.logger.error({ model: version.name, version: version.version, reason }, 'model version lost its session; it takes no traffic');
      this.#versions.fail(version, 'crash', reason);
      await this.#versions.release(version);
    });
    if (!this.#closed) await this.loadModel(version.name).catch(() => undefined);
  }

  /** A serving version's files changed: load the new copy beside it, swap, then drain the old copy. */
  async #replace(entry: ModelEntry, old: ModelVersion, config: ModelConfig, source: VersionSource, key: string): Promise<ModelVersion> {
    const fresh = new ModelVersion(entry.name, source.version, config);
    // NOTE: the fresh copy loads off the map (no state hooks), so requests and gauges keep seeing the old one.
    fresh.state = 'LOADING';
    if (!(await this.#versions.load(fresh, source, key, false))) {
      old.rejectedUpdate = key;
      old.reason = `its files changed but the new copy failed to load (${fresh.reason}); still serving the previous copy`;
      return old;
    }
    entry.versions.set(fresh.version, fresh);
    this.#versions.setState(old, 'UNLOADING');
    this.#serve(fresh);
    await this.#versions.release(old);
    return fresh;
  }

  async #unload(entry: ModelEntry, version: ModelVersion): Promise<void> {
    await this.#versions.unload(version);
    entry.versions.delete(version.version);
  }
}
