// Messages between a backend (main thread) and the worker thread or child process that owns the session, and the runs awaiting replies.
import type { ModelSignature, Tensor } from './tensor.js';

export type WorkerRequest =
  | { type: 'run'; id: number; inputs: Record<string, Tensor>; outputs?: readonly string[] }
  | { type: 'dispose' };

export type WorkerReply =
  | { type: 'ready'; signature: ModelSignature }
  | { type: 'failed'; message: string }
  /** `computeSeconds`: the runtime's own time for the run, as the session host measured it. */
  | { type: 'result'; id: number; outputs: Record<string, Tensor>; computeSeconds?: number }
  | { type: 'error'; id: number; message: string };

/** Buffers to move (not copy) with a message: each numeric tensor's whole ArrayBuffer. */
export function transferList(tensors: readonly Tensor[]): ArrayBuffer[] {
  const out = new Set<ArrayBuffer>();
  for (const t of tensors) {
    if (!Array.isArray(t.data)) out.add(t.data.buffer as ArrayBuffer);
  }
  return [...out];
}

interface Pending {
  resolve(outputs: Record<string, Tensor>): void;
  reject(err: Error): void;
  timing?: { computeSeconds?: number };
}

/** Runs posted to a session host and not answered yet: settled by its replies, or all at once when it dies. */
export class PendingRuns {
  readonly #pending = new Map<number, Pending>();
  #nextId = 0;

  get size(): number {
    return this.#pending.size;
  }

  /** Registers a run, then `post`s it under its id; the promise settles with the host's reply. */
  start(timing: { computeSeconds?: number } | undefined, post: (id: number) => void): Promise<Record<string, Tensor>> {
    const id = this.#nextId++;
    return new Promise((resolve, reject) => {
      this.#pending.set(id, { resolve, reject, timing });
      post(id);
    });
  }

  /** Settles the run a `result` or `error` reply answers; other replies are ignored. */
  settle(msg: WorkerReply): void {
    if (msg.type !== 'result' && msg.type !== 'error') return;
    const p = this.#pending.get(msg.id);
    this.#pending.delete(msg.id);
    if (msg.type === 'result' && p?.timing !== undefined) p.timing.computeSeconds = msg.computeSeconds;
    if (msg.type === 'result') p?.resolve(msg.outputs);
    else p?.reject(new Error(msg.message));
  }

  rejectAll(err: Error): void {
    for (const p of this.#pending.values()) p.reject(err);
    this.#pending.clear();
  }
}
