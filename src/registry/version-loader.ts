// Loading one model version: verified bytes from the repository, the probe, a backend, the warm-up.
import type { BackendFactory, BackendOptions } from '../inference/backend.js';
import { warmUp } from '../inference/warmup.js';
import { ArtifactError, failureKind, type LoadFailureKind } from '../repository/artifact-error.js';
import type { OpenedVersion } from '../repository/artifacts.js';
import type { ModelRepository, VersionSource } from '../repository/model-repository.js';
import type { ModelVersion } from './model-version.js';

/** Loads (and warms up, when asked) a model somewhere expendable first; rejects with an ArtifactError when that fails. */
export type LoadProbe = (modelBytes: Uint8Array, options: BackendOptions, warmup: boolean) => Promise<void>;

export interface LoaderOptions {
  repository: ModelRepository;
  createBackend: BackendFactory;
  backendOptions: BackendOptions;
  /** Server-wide warm-up switch; model.yaml can turn it off per model. */
  warmup: boolean;
  probe?: LoadProbe;
  /** Longest a warm-up may run (it can only be cut short when the session runs off the event loop). */
  loadTimeoutMs?: number;
}

const firstLine = (err: unknown): string => (err as Error)?.message?.split('\n')[0] || String(err);

async function withTimeout<T>(work: Promise<T>, ms: number | undefined): Promise<T> {
  if (ms === undefined) return work;
  let timer: NodeJS.Timeout | undefined;
  const expired = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new ArtifactError('timeout', `warm-up took longer than ${ms / 1000} s`)), ms);
  });
  try {
    return await Promise.race([work, expired]);
  } finally {
    clearTimeout(timer);
  }
}

async function stage<T>(kind: LoadFailureKind, work: () => Promise<T>): Promise<T> {
  try {
    return await work();
  } catch (err) {
    throw new ArtifactError(failureKind(err, kind), firstLine(err));
  }
}

/**
 * Gives `version` a warmed-up backend built from `source`, or throws an ArtifactError saying which stage
 * failed; nothing is left allocated on failure. Returns which artifact checks passed, for the log.
 */
export async function loadVersion(version: ModelVersion, source: VersionSource, opts: LoaderOptions): Promise<OpenedVersion['checks']> {
  const opened = await stage('unreadable', () => opts.repository.openModel(version.name, source));
  const warm = version.config.warmup && opts.warmup;
  try {
    if (opts.probe !== undefined) await stage('crash', () => opts.probe!(opened.bytes, opts.backendOptions, warm));
    version.backend = await stage('invalid', () => opts.createBackend(opened.bytes, opts.backendOptions));
    if (warm) await stage('warmup', () => withTimeout(warmUp(version.backend!), opts.loadTimeoutMs));
    return opened.checks;
  } catch (err) {
    await version.backend?.dispose().catch(() => undefined);
    version.backend = null;
    throw err;
  } finally {
    // NOTE: a decrypted model lives only in memory, and only as long as it takes to build the session.
    if (opened.checks.encrypted) opened.bytes.fill(0);
  }
}
