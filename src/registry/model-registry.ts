// MEMORY: the loaded versions of every model, their states, and version resolution for requests.
import type { Logger } from 'pino';
import { ModelNotFoundError, ModelNotReadyError, UnavailableError } from '../errors.js';
import type { LoadFailureKind } from '../repository/artifact-error.js';
import { DEFAULT_MODEL_CONFIG, type ModelConfig } from '../repository/model-config.js';
import type { ModelSource, VersionSource } from '../repository/model-repository.js';
import { sha256Hex } from '../repository/version-files.js';
import { KeyedLock } from './keyed-lock.js';
import { ModelVersion, type VersionState } from './model-version.js';
import { loadVersion, type LoaderOptions } from './version-loader.js';
import { planVersions } from './version-policy.js';

export interface RegistryHooks {
  /** Every state change, including the first (LOADING) and the last (removed: `state` null). */
  onStateChange?(version: ModelVersion, state: VersionState | null): void;
  /**
   * A version became READY and may take traffic. NOTE: when a serving version's files change, the fresh copy's
   * onLoad comes before the old copy's onUnload, for the same name and version: key per-version state by object.
   */
  onLoad?(version: ModelVersion): void;
  /** A version was drained and released; drop anything kept for it. */
  onUnload?(version: ModelVersion): void;
  /** A load failed (the version stays out of traffic); `kind` is a small fixed set, fit for a metric label. */
  onLoadFailure?(version: ModelVersion, kind: LoadFailureKind, reason: string): void;
}

export interface RegistryOptions extends LoaderOptions {
  logger: Logger;
  /** How long an unloading version waits for its in-flight requests. */
  drainTimeoutMs?: number;
}

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
  readonly #hooks: RegistryHooks[] = [];
  readonly #opts: RegistryOptions;
  readonly #lock = new KeyedLock();
  #closed = false;

  constructor(options: RegistryOptions) {
    this.#opts = options;
  }

  addHooks(hooks: RegistryHooks): void {
    this.#hooks.push(hooks);
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
    const ready = this.readyVersions(name);
    if (ready.length === 0) throw new ModelNotReadyError(name, undefined, entry.error || 'no version is ready');
    return ready[ready.length - 1];
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
        this.#fail(failed, 'config', entry.error);
        for (const h of this.#hooks) h.onLoadFailure?.(failed, 'config', entry.error);
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
    this.#setState(version, 'LOADING');
    if (await this.#load(version, source, key)) this.#serve(version);
    return version;
  }

  #serve(version: ModelVersion): void {
    this.#setState(version, 'READY');
    for (const h of this.#hooks) h.onLoad?.(version);
    version.backend?.onFailure?.((err) => void this.#lost(version, err));
  }

  /**
   * The process hosting a READY version's session died (the model crashed onnxruntime on some input): the version
   * leaves traffic with the reason, and the model is re-planned, so an older version can take over. The same
   * files are not retried until they change or a load request asks.
   */
  async #lost(version: ModelVersion, err: Error): Promise<void> {
    await this.#lock.run(version.name, async () => {
      const entry = this.#models.get(version.name);
      if (entry?.versions.get(version.version) !== version || version.state !== 'READY') return;
      const reason = `${err.message} while serving; reload it to try again`;
      this.#opts.logger.error({ model: version.name, version: version.version, reason }, 'model version lost its session; it takes no traffic');
      this.#fail(version, 'crash', reason);
      for (const h of this.#hooks) h.onLoadFailure?.(version, 'crash', reason);
      await this.#release(version);
    });
    if (!this.#closed) await this.loadModel(version.name).catch(() => undefined);
  }

  /** A serving version's files changed: load the new copy beside it, swap, then drain the old copy. */
  async #replace(entry: ModelEntry, old: ModelVersion, config: ModelConfig, source: VersionSource, key: string): Promise<ModelVersion> {
    const fresh = new ModelVersion(entry.name, source.version, config);
    // NOTE: the fresh copy loads off the map (no state hooks), so requests and gauges keep seeing the old one.
    fresh.state = 'LOADING';
    if (!(await this.#load(fresh, source, key))) {
      old.rejectedUpdate = key;
      old.reason = `its files changed but the new copy failed to load (${fresh.reason}); still serving the previous copy`;
      return old;
    }
    entry.versions.set(fresh.version, fresh);
    this.#setState(old, 'UNLOADING');
    this.#serve(fresh);
    await this.#release(old);
    return fresh;
  }

  /** Loads `version`; on failure records why (state UNAVAILABLE) and returns false. */
  async #load(version: ModelVersion, source: VersionSource, key: string): Promise<boolean> {
    const log = this.#opts.logger.child({ model: version.name, version: version.version });
    const started = process.hrtime.bigint();
    version.loadedFrom = key;
    version.fingerprint = source.fingerprint;
    try {
      const checks = await loadVersion(version, source, this.#opts);
      try {
        version.profile = await this.#opts.repository.readProfile(source);
      } catch (err) {
        version.profileError = (err as Error).message;
        log.warn({ reason: version.profileError }, 'profile.json unusable; the version serves without drift monitoring');
      }
      version.loadSeconds = Number(process.hrtime.bigint() - started) / 1e9;
      log.info({ loadSeconds: Number(version.loadSeconds.toFixed(3)), ...checks }, 'model version ready');
      return true;
    } catch (err) {
      const kind = (err as { kind?: LoadFailureKind }).kind ?? 'invalid';
      if (entryOf(this.#models, version) === version) this.#fail(version, kind, (err as Error).message);
      else Object.assign(version, { state: 'UNAVAILABLE', reason: (err as Error).message, failureKind: kind });
      for (const h of this.#hooks) h.onLoadFailure?.(version, kind, version.reason);
      log.error({ reason: version.reason, kind }, 'model version failed to load; it takes no traffic');
      return false;
    }
  }

  #fail(version: ModelVersion, kind: LoadFailureKind, reason: string): void {
    version.failureKind = kind;
    this.#setState(version, 'UNAVAILABLE', reason);
  }

  #setState(version: ModelVersion, state: VersionState, reason = ''): void {
    version.state = state;
    version.reason = reason;
    for (const h of this.#hooks) h.onStateChange?.(version, state);
  }

  async #unload(entry: ModelEntry, version: ModelVersion): Promise<void> {
    if (version.state === 'READY') {
      this.#setState(version, 'UNLOADING');
      await this.#release(version);
    }
    entry.versions.delete(version.version);
    for (const h of this.#hooks) h.onStateChange?.(version, null);
  }

  /** Waits for in-flight requests (up to the drain timeout), then releases the session. */
  async #release(version: ModelVersion): Promise<void> {
    const log = this.#opts.logger.child({ model: version.name, version: version.version });
    const drained = await version.drain(this.#opts.drainTimeoutMs ?? 30_000);
    if (!drained) log.warn({ inflight: version.inflight }, 'drain timed out; releasing with requests still running');
    await version.backend?.dispose().catch((err: unknown) => log.error({ err }, 'releasing a session failed'));
    version.backend = null;
    for (const h of this.#hooks) h.onUnload?.(version);
    log.info('model version unloaded');
  }
}

const entryOf = (models: Map<string, ModelEntry>, version: ModelVersion): ModelVersion | undefined =>
  models.get(version.name)?.versions.get(version.version);
