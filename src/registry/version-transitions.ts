// What happens to one version: loading it, serving, failing, draining and releasing, each announced to the hooks.
import type { Logger } from 'pino';
import type { LoadFailureKind } from '../repository/artifact-error.js';
import type { VersionSource } from '../repository/model-repository.js';
import type { ModelVersion, VersionState } from './model-version.js';
import { loadVersion, type LoaderOptions } from './version-loader.js';

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

export interface TransitionOptions extends LoaderOptions {
  logger: Logger;
  /** How long an unloading version waits for its in-flight requests. */
  drainTimeoutMs?: number;
}

export class VersionTransitions {
  readonly hooks: RegistryHooks[] = [];

  constructor(private readonly opts: TransitionOptions) {}

  setState(version: ModelVersion, state: VersionState, reason = ''): void {
    version.state = state;
    version.reason = reason;
    for (const h of this.hooks) h.onStateChange?.(version, state);
  }

  /** Marks a version UNAVAILABLE; `announce` false keeps a copy loading off the map invisible to state hooks. */
  fail(version: ModelVersion, kind: LoadFailureKind, reason: string, announce = true): void {
    version.failureKind = kind;
    if (announce) this.setState(version, 'UNAVAILABLE', reason);
    else Object.assign(version, { state: 'UNAVAILABLE', reason });
    for (const h of this.hooks) h.onLoadFailure?.(version, kind, reason);
  }

  /** READY: takes traffic from now on; `onLost` hears if its session dies on its own later. */
  serve(version: ModelVersion, onLost: (err: Error) => void): void {
    this.setState(version, 'READY');
    for (const h of this.hooks) h.onLoad?.(version);
    version.backend?.onFailure?.(onLost);
  }

  /** Loads `version` from `source`; on failure records why (UNAVAILABLE, announced or not) and returns false. */
  async load(version: ModelVersion, source: VersionSource, key: string, announce: boolean): Promise<boolean> {
    const log = this.opts.logger.child({ model: version.name, version: version.version });
    const started = process.hrtime.bigint();
    version.loadedFrom = key;
    version.fingerprint = source.fingerprint;
    try {
      const checks = await loadVersion(version, source, this.opts);
      try {
        version.profile = await this.opts.repository.readProfile(source);
      } catch (err) {
        version.profileError = (err as Error).message;
        log.warn({ reason: version.profileError }, 'profile.json unusable; the version serves without drift monitoring');
      }
      version.loadSeconds = Number(process.hrtime.bigint() - started) / 1e9;
      log.info({ loadSeconds: Number(version.loadSeconds.toFixed(3)), backend: version.backend?.kind, ...checks }, 'model version ready');
      return true;
    } catch (err) {
      const kind = (err as { kind?: LoadFailureKind }).kind ?? 'invalid';
      this.fail(version, kind, (err as Error).message, announce);
      log.error({ reason: version.reason, kind }, 'model version failed to load; it takes no traffic');
      return false;
    }
  }

  /** Waits for in-flight requests (up to the drain timeout), then releases the session. */
  async release(version: ModelVersion): Promise<void> {
    const log = this.opts.logger.child({ model: version.name, version: version.version });
    const drained = await version.drain(this.opts.drainTimeoutMs ?? 30_000);
    if (!drained) log.warn({ inflight: version.inflight }, 'drain timed out; releasing with requests still running');
    await version.backend?.dispose().catch((err: unknown) => log.error({ err }, 'releasing a session failed'));
    version.backend = null;
    for (const h of this.hooks) h.onUnload?.(version);
    log.info('model version unloaded');
  }

  /** A READY version is drained and released; any version is then forgotten (state hooks hear null). */
  async unload(version: ModelVersion): Promise<void> {
    if (version.state === 'READY') {
      this.setState(version, 'UNLOADING');
      await this.release(version);
    }
    for (const h of this.hooks) h.onStateChange?.(version, null);
  }
}
