// Repository control (the model repository extension): index, load and unload, in poll or explicit mode.
import type { Logger } from 'pino';
import { ModelLoadError, ModelNotFoundError } from '../errors.js';
import type { ModelConfig } from '../repository/model-config.js';
import type { ModelRepository } from '../repository/model-repository.js';
import type { RepositoryWatcher } from '../repository/watcher.js';
import type { IndexEntry, ModelRegistry } from './model-registry.js';

export interface ControlOptions {
  registry: ModelRegistry;
  repository: ModelRepository;
  /** Null in explicit mode: nothing but this API loads or unloads after startup. */
  watcher: RepositoryWatcher | null;
  logger: Logger;
}

export interface LoadResult {
  name: string;
  /** READY versions after the load, oldest first. */
  ready: number[];
  /** Versions that failed, with why; the ones serving before keep serving. */
  unavailable: { version: string; reason: string }[];
}

/**
 * - load: loads the model from disk now (in poll mode too, without waiting for files to settle: the caller says
 *   they are complete), retries failed versions, reloads changed ones; `config` replaces model.yaml until the
 *   next load without one. Fails (400) when no version of the model can serve afterwards.
 * - unload: drains and releases every version. In poll mode the watcher then leaves the model alone until the
 *   next load, so an unload sticks although the directory is still there.
 */
export class ModelControl {
  constructor(private readonly opts: ControlOptions) {}

  /** Every model version the registry knows, plus models on disk that are not loaded (Triton lists those too). */
  async index(readyOnly = false): Promise<IndexEntry[]> {
    const entries = this.opts.registry.index();
    const known = new Set(entries.map((e) => e.name));
    const onDisk = await this.opts.repository.list().catch(() => [] as string[]);
    for (const name of onDisk) if (!known.has(name)) entries.push({ name, version: '', state: 'UNAVAILABLE', reason: 'unloaded' });
    entries.sort((a, b) => a.name.localeCompare(b.name) || Number(a.version) - Number(b.version));
    return readyOnly ? entries.filter((e) => e.state === 'READY') : entries;
  }

  async load(name: string, config?: ModelConfig): Promise<LoadResult> {
    this.opts.watcher?.release(name);
    await this.opts.registry.loadModel(name, { retryFailed: true, config: config ?? null });
    const ready = this.opts.registry.readyVersions(name).map((v) => v.version);
    const unavailable = this.opts.registry.index()
      .filter((e) => e.name === name && e.state === 'UNAVAILABLE')
      .map(({ version, reason }) => ({ version, reason }));
    this.opts.logger.info({ model: name, ready, failed: unavailable.length }, 'model loaded through the repository API');
    if (ready.length === 0) {
      throw new ModelLoadError(name, unavailable.map((u) => (u.version === '' ? u.reason : `version ${u.version}: ${u.reason}`)).join('; ') || 'no versions');
    }
    return { name, ready, unavailable };
  }

  /** Polls the repository now (poll mode; a no-op in explicit mode); resolves once the changes are applied. */
  async poll(): Promise<void> {
    await this.opts.watcher?.poll();
  }

  async unload(name: string): Promise<void> {
    if (!this.opts.registry.has(name)) {
      // NOTE: unloading what is on disk but not loaded succeeds (idempotent); only unknown names are 404.
      if (!(await this.opts.repository.list()).includes(name)) throw new ModelNotFoundError(name);
      this.opts.watcher?.hold(name);
      return;
    }
    this.opts.watcher?.hold(name);
    await this.opts.registry.unloadModel(name).catch((err: unknown) => {
      if (!(err instanceof ModelNotFoundError)) throw err;
    });
    this.opts.logger.info({ model: name }, 'model unloaded through the repository API');
  }
}
