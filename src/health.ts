// Liveness and readiness of the whole server, as load balancers and Kubernetes probes see them.
import type { IndexEntry, ModelRegistry } from './registry/model-registry.js';

export interface Readiness {
  ready: boolean;
  /** Why not ready, when it isn't. */
  reason?: string;
  unavailable: IndexEntry[];
}

/**
 * Ready once the startup load has finished and until shutdown begins. A version that failed to load is
 * reported but, unless `strict`, does not make the server unready: the versions that did load still serve.
 */
export class ServerHealth {
  #started = false;
  #draining = false;
  /** Reasons readiness waits for besides the load (the startup warm-up), in the order they were taken. */
  readonly #holds: string[] = [];
  readonly #onDraining: (() => void)[] = [];

  constructor(
    private readonly models: ModelRegistry,
    private readonly strict: boolean,
  ) {}

  markStarted(): void {
    this.#started = true;
  }

  /** Keeps readiness false, saying `reason`, until the returned release is called (once is enough). */
  hold(reason: string): () => void {
    this.#holds.push(reason);
    let released = false;
    return () => {
      if (released) return;
      released = true;
      this.#holds.splice(this.#holds.indexOf(reason), 1);
    };
  }

  /** Idempotent: the listeners run the first time only. */
  markDraining(): void {
    if (this.#draining) return;
    this.#draining = true;
    for (const listener of this.#onDraining.splice(0)) listener();
  }

  onDraining(listener: () => void): void {
    this.#onDraining.push(listener);
  }

  get draining(): boolean {
    return this.#draining;
  }

  readiness(): Readiness {
    const unavailable = this.models.failures();
    if (!this.#started) return { ready: false, reason: 'models are still loading', unavailable };
    if (this.#draining) return { ready: false, reason: 'shutting down', unavailable };
    if (this.#holds.length > 0) return { ready: false, reason: this.#holds[0], unavailable };
    if (this.strict && unavailable.length > 0) {
      return { ready: false, reason: `${unavailable.length} model version(s) failed to load (strict readiness)`, unavailable };
    }
    return { ready: true, unavailable };
  }
}
