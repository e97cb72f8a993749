// One version of a model in memory: its state, its backend, and the requests using it right now.
import type { InferenceBackend } from '../inference/backend.js';
import type { ModelSignature } from '../inference/tensor.js';
import type { LoadFailureKind } from '../repository/artifact-error.js';
import type { ModelConfig } from '../repository/model-config.js';
import type { Profile } from '../schemas/profile.js';

/** States as the repository extension names them. */
export type VersionState = 'LOADING' | 'READY' | 'UNAVAILABLE' | 'UNLOADING';

export class ModelVersion {
  state: VersionState = 'LOADING';
  reason = '';
  backend: InferenceBackend | null = null;
  loadSeconds = 0;
  /** Reference statistics from profile.json (drift monitoring); null when absent or unusable (`profileError`). */
  profile: Profile | null = null;
  profileError?: string;
  /** What this copy was loaded (or failed to load) from: the files' fingerprint and the config, digested. */
  loadedFrom = '';
  /** The files' fingerprint alone; a READY version whose files change on disk is reloaded. */
  fingerprint = '';
  /** Why the last load failed, as a kind (metric label); set with `reason`. */
  failureKind?: LoadFailureKind;
  /** A READY version's replacement that failed: its `loadedFrom`, so the same files are not retried every poll. */
  rejectedUpdate = '';
  #inflight = 0;
  #idle: (() => void)[] = [];

  constructor(
    readonly name: string,
    readonly version: number,
    public config: ModelConfig,
  ) {}

  get signature(): ModelSignature {
    if (this.backend === null) throw new Error(`${this.name}/${this.version} has no backend`);
    return this.backend.signature;
  }

  get inflight(): number {
    return this.#inflight;
  }

  /** Marks one request as using this version; pair every call with `release()` in a finally. */
  acquire(): void {
    this.#inflight++;
  }

  release(): void {
    this.#inflight--;
    if (this.#inflight === 0) for (const resolve of this.#idle.splice(0)) resolve();
  }

  /** Resolves once no request uses this version, or after `timeoutMs`; true when fully drained. */
  async drain(timeoutMs: number): Promise<boolean> {
    if (this.#inflight === 0) return true;
    let timer: NodeJS.Timeout | undefined;
    const drained = new Promise<boolean>((resolve) => this.#idle.push(() => resolve(true)));
    const expired = new Promise<boolean>((resolve) => {
      timer = setTimeout(() => resolve(false), timeoutMs);
    });
    try {
      return await Promise.race([drained, expired]);
    } finally {
      clearTimeout(timer);
    }
  }
}
