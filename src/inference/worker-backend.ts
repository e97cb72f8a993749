// An InferenceBackend whose session lives in a worker thread, so inference no longer blocks the event loop.
import { Worker } from 'node:worker_threads';
import { UnsupportedModelError, type BackendOptions, type InferenceBackend, type RunOptions } from './backend.js';
import type { ModelSignature, Tensor } from './tensor.js';
import { PendingRuns, transferList, type WorkerReply, type WorkerRequest } from './worker-protocol.js';

// NOTE: compiled, the worker is the .js beside this file. Run from source (tests, tsx), it is .ts and Node 20
// does not pass tsx's loader on to worker threads, so a small bootstrap registers it first.
const FROM_SOURCE = import.meta.url.endsWith('.ts');
const WORKER_URL = new URL(FROM_SOURCE ? './session-worker.ts' : './session-worker.js', import.meta.url);
const WORKER_SOURCE = FROM_SOURCE
  ? `import('tsx/esm/api').then((tsx) => { tsx.register(); return import(${JSON.stringify(WORKER_URL.href)}); });`
  : WORKER_URL;

/** True when the array owns its whole (non-shared) buffer, so moving the buffer moves nothing else. */
function ownsBuffer(data: Tensor['data']): boolean {
  return !Array.isArray(data) && data.byteOffset === 0 && data.byteLength === data.buffer.byteLength && data.buffer instanceof ArrayBuffer;
}

/**
 * Inputs whose buffers can be transferred: callers' arrays may view pooled or shared memory, so they are
 * copied unless the caller gave them up (`transferInputs`) and each owns its whole buffer.
 */
function transferable(inputs: Record<string, Tensor>, given: boolean): Record<string, Tensor> {
  const out: Record<string, Tensor> = {};
  for (const [name, t] of Object.entries(inputs)) {
    out[name] = given && ownsBuffer(t.data) ? t : { ...t, data: t.data.slice() as Tensor['data'] };
  }
  return out;
}

class WorkerBackend implements InferenceBackend {
  readonly kind = 'worker';
  readonly #worker: Worker;
  readonly #runs = new PendingRuns();
  #dead: Error | null = null;

  private constructor(worker: Worker, readonly signature: ModelSignature) {
    this.#worker = worker;
    worker.on('message', (msg: WorkerReply) => this.#runs.settle(msg));
    const die = (err: Error) => {
      this.#dead ??= err;
      this.#runs.rejectAll(err);
    };
    worker.on('error', die);
    worker.on('exit', (code) => die(new Error(`inference worker exited (code ${code})`)));
  }

  static create(modelBytes: Uint8Array, options: BackendOptions): Promise<WorkerBackend> {
    const worker = new Worker(WORKER_SOURCE, { workerData: { modelBytes, options }, eval: FROM_SOURCE });
    return new Promise((resolve, reject) => {
      const fail = (err: Error) => {
        void worker.terminate();
        reject(err);
      };
      worker.once('message', (msg: WorkerReply) => {
        if (msg.type === 'ready') resolve(new WorkerBackend(worker, msg.signature));
        else if (msg.type === 'failed') fail(new UnsupportedModelError(msg.message));
      });
      worker.once('error', fail);
      worker.once('exit', (code) => reject(new Error(`inference worker exited during load (code ${code})`)));
    });
  }

  run(inputs: Record<string, Tensor>, outputs?: readonly string[], options: RunOptions = {}): Promise<Record<string, Tensor>> {
    if (this.#dead) return Promise.reject(this.#dead);
    const owned = transferable(inputs, options.transferInputs === true);
    return this.#runs.start(options.timing, (id) => {
      const msg: WorkerRequest = { type: 'run', id, inputs: owned, outputs };
      this.#worker.postMessage(msg, transferList(Object.values(owned)));
    });
  }

  async dispose(): Promise<void> {
    if (this.#dead) return;
    const exited = new Promise<void>((resolve) => this.#worker.once('exit', () => resolve()));
    this.#worker.postMessage({ type: 'dispose' } satisfies WorkerRequest);
    // NOTE: a worker stuck in a native call can't close itself; don't let an unload hang on it. But never
    // terminate one while a run is inside onnxruntime: the binding then throws from native code and the whole
    // process aborts. Such a worker is left to exit on its own once the run returns (the dispose is queued).
    let timer: NodeJS.Timeout | undefined;
    const givenUp = new Promise<void>((resolve) => {
      timer = setTimeout(() => {
        if (this.#runs.size === 0) void this.#worker.terminate();
        else resolve();
      }, 5000);
    });
    await Promise.race([exited, givenUp]);
    clearTimeout(timer);
  }
}

export const createWorkerBackend = (modelBytes: Uint8Array, options: BackendOptions): Promise<InferenceBackend> =>
  WorkerBackend.create(modelBytes, options);
