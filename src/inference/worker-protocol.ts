// Messages between WorkerBackend (main thread) and session-worker (the thread that owns the session).
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
