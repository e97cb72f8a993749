// An InferenceBackend whose session lives in a child process: a model that crashes onnxruntime kills only that
// process, and releasing the version returns all of the session's memory to the system.
import { fork, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { childEntry } from '../child-entry.js';
import { ArtifactError } from '../repository/artifact-error.js';
import type { BackendFactory, BackendOptions, InferenceBackend, RunOptions } from './backend.js';
import type { ProcessRequest } from './session-process.js';
import type { ModelSignature, Tensor } from './tensor.js';
import { PendingRuns, type WorkerReply } from './worker-protocol.js';

const { url: SESSION_PROCESS, execArgv: EXEC_ARGV } = childEntry(import.meta.url, 'session-process');

export interface ProcessBackendOptions {
  /** Longest the child may take to load the model before it is killed and the load refused. */
  loadTimeoutMs: number;
  /** The child's entry module (tests substitute one that misbehaves on purpose). */
  entry?: URL;
}

/** "exited with code 3" / "was killed by SIGSEGV", for reasons and logs. */
export const describeExit = (code: number | null, signal: NodeJS.Signals | null): string =>
  signal !== null ? `was killed by ${signal}` : `exited with code ${code}`;

class ProcessBackend implements InferenceBackend {
  readonly kind = 'process';
  readonly #child: ChildProcess;
  readonly #runs = new PendingRuns();
  readonly #failureListeners: ((err: Error) => void)[] = [];
  #dead: Error | null = null;
  #disposing = false;

  private constructor(child: ChildProcess, readonly signature: ModelSignature) {
    this.#child = child;
    // NOTE: a send to a process that just died emits 'error'; the 'exit' handler below already fails everything.
    child.on('error', () => undefined);
    child.on('message', (msg: WorkerReply) => this.#runs.settle(msg));
    child.on('exit', (code, signal) => {
      this.#dead = new Error(`the inference process ${describeExit(code, signal)}`);
      this.#runs.rejectAll(this.#dead);
      if (!this.#disposing) for (const listener of this.#failureListeners) listener(this.#dead);
    });
  }

  static create(modelBytes: Uint8Array, options: BackendOptions, opts: ProcessBackendOptions): Promise<ProcessBackend> {
    const child = fork(fileURLToPath(opts.entry ?? SESSION_PROCESS), [], {
      execArgv: EXEC_ARGV,
      serialization: 'advanced',
      stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
    });
    return new Promise((resolve, reject) => {
      let settled = false;
      const settle = (err: Error | null, backend?: ProcessBackend) => {
        if (settled) return;
        settled = true;
        clearTimeout(timer);
        child.removeListener('message', onMessage);
        child.removeListener('exit', onExit);
        if (err === null) return resolve(backend!);
        child.kill('SIGKILL');
        reject(err);
      };
      const onMessage = (msg: WorkerReply) => {
        if (msg.type === 'ready') settle(null, new ProcessBackend(child, msg.signature));
        else if (msg.type === 'failed') settle(new ArtifactError('invalid', msg.message));
      };
      const onExit = (code: number | null, signal: NodeJS.Signals | null) =>
        settle(new ArtifactError('crash', `onnxruntime's process ${describeExit(code, signal)} while loading the model`));
      const timer = setTimeout(
        () => settle(new ArtifactError('timeout', `loading took longer than ${opts.loadTimeoutMs / 1000} s; the process was killed`)),
        opts.loadTimeoutMs,
      );
      child.on('message', onMessage);
      child.on('exit', onExit);
      child.on('error', (err) => settle(new ArtifactError('crash', `cannot start onnxruntime's process: ${err.message}`)));
      child.send({ type: 'load', modelBytes, options } satisfies ProcessRequest);
    });
  }

  run(inputs: Record<string, Tensor>, outputs?: readonly string[], options: RunOptions = {}): Promise<Record<string, Tensor>> {
    if (this.#dead) return Promise.reject(this.#dead);
    return this.#runs.start(options.timing, (id) => this.#child.send({ type: 'run', id, inputs, outputs } satisfies ProcessRequest));
  }

  /** The child's process id (logs, tests). */
  get pid(): number | undefined {
    return this.#child.pid;
  }

  onFailure(listener: (err: Error) => void): void {
    this.#failureListeners.push(listener);
  }

  /** Kills the process outright: for a run that must not be waited for (a hung warm-up). */
  kill(): void {
    this.#disposing = true;
    this.#child.kill('SIGKILL');
  }

  async dispose(): Promise<void> {
    this.#disposing = true;
    if (this.#dead) return;
    const exited = new Promise<void>((resolve) => this.#child.once('exit', () => resolve()));
    this.#child.send({ type: 'dispose' } satisfies ProcessRequest);
    // NOTE: a process stuck in a native call can't release itself; don't let an unload hang on it.
    const timer = setTimeout(() => this.#child.kill('SIGKILL'), 5000);
    await exited;
    clearTimeout(timer);
  }
}

export type { ProcessBackend };

export const createProcessBackend = (modelBytes: Uint8Array, options: BackendOptions, opts: ProcessBackendOptions): Promise<ProcessBackend> =>
  ProcessBackend.create(modelBytes, options, opts);

/** The BackendFactory for `--backend process`. */
export function processBackendFactory(opts: ProcessBackendOptions): BackendFactory {
  if (!(opts.loadTimeoutMs > 0)) throw new Error(`load timeout must be positive, got ${opts.loadTimeoutMs} ms`);
  return (modelBytes, options) => ProcessBackend.create(modelBytes, options, opts);
}
