// MEMORY: the loaded versions of every model, their states, and version resolution for requests.
import type { Logger } from 'pino';
import type { BackendFactory, BackendOptions } from '../inference/backend.js';
import { warmUp } from '../inference/warmup.js';
import { ModelNotFoundError, ModelNotReadyError } from '../errors.js';
import { DEFAULT_MODEL_CONFIG, type ModelConfig } from '../repository/model-config.js';
import type { ModelRepository, ModelSource, VersionSource } from '../repository/model-repository.js';
import { ModelVersion, type VersionState } from './model-version.js';
import { planVersions } from './version-policy.js';

export interface RegistryHooks {
  /** Every state change, including the first (LOADING) and the last (removed: `state` null). */
  onStateChange?(version: ModelVersion, state: VersionState | null): void;
  /** A version became READY and may take traffic. */
  onLoad?(version: ModelVersion): void;
  /** A version was drained and released; drop anything kept for it. */
  onUnload?(version: ModelVersion): void;
}

export interface RegistryOptions {
  repository: ModelRepository;
  createBackend: BackendFactory;
  backendOptions: BackendOptions;
  warmup: boolean;
  logger: Logger;
  /** How long an unloading version waits for its in-flight requests. */
  drainTimeoutMs?: number;
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
}

export class ModelRegistry {
  readonly #models = new Map<string, ModelEntry>();
  readonly #hooks: RegistryHooks[] = [];
  readonly #opts: RegistryOptions;

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

  /** Brings one model in line with its directory and version policy. New versions are ready before old ones go. */
  async loadModel(name: string): Promise<void> {
    const source = await this.#opts.repository.read(name);
    if (source === null) throw new ModelNotFoundError(name);
    const entry = this.#entry(name);
    if (source.config === null) {
      entry.error = source.configError ?? 'model.yaml is invalid';
      this.#opts.logger.error({ model: name, reason: entry.error }, 'model.yaml rejected; versions already serving keep serving');
      // NOTE: versions on disk that are not serving show the reason in the index, metrics and readiness.
      for (const v of source.versions) {
        const existing = entry.versions.get(v.version);
        if (existing?.state === 'READY' || existing?.state === 'UNLOADING') continue;
        const failed = existing ?? new ModelVersion(name, v.version, DEFAULT_MODEL_CONFIG);
        entry.versions.set(v.version, failed);
        this.#setState(failed, 'UNAVAILABLE', entry.error);
      }
      return;
    }
    entry.error = '';
    entry.config = source.config;
    const plan = planVersions(source.config.versionPolicy, source.versions.map((v) => v.version));
    const keep = new Set<number>();
    for (const candidate of plan.candidates) {
      if (keep.size >= plan.want) break;
      const version = await this.#ensureLoaded(entry, source, source.versions.find((v) => v.version === candidate)!);
      if (version.state === 'READY') keep.add(candidate);
    }
    for (const missing of plan.missing) this.#opts.logger.warn({ model: name, version: missing }, 'version named by the policy is not on disk');
    for (const version of [...entry.versions.values()]) {
      if (keep.has(version.version)) continue;
      const onDisk = source.versions.some((v) => v.version === version.version);
      if (version.state === 'UNAVAILABLE' && onDisk) continue; // NOTE: keeps its reason visible in the index
      await this.#unload(entry, version);
    }
  }

  /** Drains and releases every version of a model. */
  async unloadModel(name: string): Promise<void> {
    const entry = this.#models.get(name);
    if (entry === undefined) throw new ModelNotFoundError(name);
    for (const version of [...entry.versions.values()]) await this.#unload(entry, version);
    this.#models.delete(name);
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

  /** The model's settings from its last valid model.yaml (undefined for unknown models). */
  config(name: string): ModelConfig | undefined {
    return this.#models.get(name)?.config;
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

  /** Releases everything, draining in-flight requests first. */
  async close(): Promise<void> {
    for (const entry of this.#models.values()) {
      for (const version of [...entry.versions.values()]) await this.#unload(entry, version);
    }
    this.#models.clear();
  }

  #entry(name: string): ModelEntry {
    let entry = this.#models.get(name);
    if (entry === undefined) {
      entry = { name, versions: new Map(), error: '' };
      this.#models.set(name, entry);
    }
    return entry;
  }

  #setState(version: ModelVersion, state: VersionState, reason = ''): void {
    version.state = state;
    version.reason = reason;
    for (const h of this.#hooks) h.onStateChange?.(version, state);
  }

  async #ensureLoaded(entry: ModelEntry, source: ModelSource, versionSource: VersionSource): Promise<ModelVersion> {
    const existing = entry.versions.get(versionSource.version);
    if (existing?.state === 'READY' || existing?.state === 'LOADING') {
      existing.config = source.config!;
      return existing;
    }
    const version = new ModelVersion(entry.name, versionSource.version, source.config!);
    entry.versions.set(version.version, version);
    this.#setState(version, 'LOADING');
    const log = this.#opts.logger.child({ model: entry.name, version: version.version });
    const started = process.hrtime.bigint();
    try {
      const bytes = await this.#opts.repository.readModel(versionSource);
      version.backend = await this.#opts.createBackend(bytes, this.#opts.backendOptions);
      if (source.config!.warmup && this.#opts.warmup) await warmUp(version.backend);
    } catch (err) {
      const reason = (err as Error).message?.split('\n')[0] || String(err);
      await version.backend?.dispose().catch(() => undefined);
      version.backend = null;
      this.#setState(version, 'UNAVAILABLE', reason);
      log.error({ reason }, 'model version failed to load; it takes no traffic');
      return version;
    }
    try {
      version.profile = await this.#opts.repository.readProfile(versionSource);
    } catch (err) {
      version.profileError = (err as Error).message;
      log.warn({ reason: version.profileError }, 'profile.json unusable; the version serves without drift monitoring');
    }
    version.loadSeconds = Number(process.hrtime.bigint() - started) / 1e9;
    this.#setState(version, 'READY');
    for (const h of this.#hooks) h.onLoad?.(version);
    log.info({ loadSeconds: Number(version.loadSeconds.toFixed(3)) }, 'model version ready');
    return version;
  }

  async #unload(entry: ModelEntry, version: ModelVersion): Promise<void> {
    if (version.state === 'READY') {
      this.#setState(version, 'UNLOADING');
      const drained = await version.drain(this.#opts.drainTimeoutMs ?? 30_000);
      if (!drained) this.#opts.logger.warn({ model: entry.name, version: version.version, inflight: version.inflight }, 'drain timed out');
      await version.backend?.dispose().catch((err) => this.#opts.logger.error({ err }, 'releasing a session failed'));
      version.backend = null;
      for (const h of this.#hooks) h.onUnload?.(version);
      this.#opts.logger.info({ model: entry.name, version: version.version }, 'model version unloaded');
    }
    this.#forget(entry, version);
  }

  #forget(entry: ModelEntry, version: ModelVersion): void {
    entry.versions.delete(version.version);
    for (const h of this.#hooks) h.onStateChange?.(version, null);
  }
}
