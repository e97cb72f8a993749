// Dynamic batcher for one model version: a bounded queue, one run at a time, exact merge/split, deadlines.
import { performance } from 'node:perf_hooks';
import { RequestTimeoutError, UnavailableError } from '../errors.js';
import { executeBatch } from './batch-execution.js';
import { batchKey, rowsOf } from './batch-merge.js';
import { selectBatch } from './batch-policy.js';
import { DeadlineTimer } from './deadline-timer.js';
import { validateBatcherSettings, type BatcherHooks, type BatcherSettings, type BatchResult, type RunFn } from './batch-types.js';
import type { Tensor } from './tensor.js';

export type { BatchEvent, BatcherHooks, BatcherSettings, BatchResult, RejectReason, RunFn } from './batch-types.js';

interface Entry {
  key: string | null;
  rows: number;
  inputs: Record<string, Tensor>;
  outputs: readonly string[];
  enqueued: number;
  /** performance.now() ms when it times out, and the limit that set it (for the message). */
  deadline: number;
  limit: number;
  state: 'queued' | 'running' | 'settled';
  /** The startup warm-up's request: its rejections and all-warm-up batches are reported to no hook. */
  warmup: boolean;
  resolve(result: BatchResult): void;
  reject(err: Error): void;
}

/** How long full batches may run back to back before the event loop gets a turn for I/O and timers. */
const TURN_BUDGET_MS = 4;

/**
 * Queues requests and runs them in batches, one run at a time (a session computes one run at a time anyway).
 * Every promise `submit` returns settles: with its rows of the outputs, its own error, a timeout, or unload.
 */
export class Batcher {
  #settings: BatcherSettings;
  #queue: Entry[] = [];
  #running: Promise<void> | null = null;
  /** Members of the batch now running; they can still time out. */
  #runningMembers: readonly Entry[] = [];
  readonly #deadlines = new DeadlineTimer<Entry>(
    () => [...this.#queue, ...this.#runningMembers],
    (entry) => this.#expire(entry),
  );
  #wake: NodeJS.Immediate | null = null;
  #delay: NodeJS.Timeout | null = null;
  #closed = false;
  /** When the current event-loop turn began dispatching (see #next). */
  #turnStarted = 0;

  constructor(
    readonly label: string,
    private readonly run: RunFn,
    settings: BatcherSettings,
    private readonly hooks: BatcherHooks = {},
  ) {
    this.#settings = validateBatcherSettings(settings);
  }

  get settings(): Readonly<BatcherSettings> {
    return this.#settings;
  }

  /** Requests waiting (not yet running). */
  get depth(): number {
    return this.#queue.length;
  }

  /** Replaces the settings (model.yaml changed); queued requests keep their deadlines. */
  configure(settings: BatcherSettings): void {
    this.#settings = validateBatcherSettings(settings);
  }

  /** Throws the 503 a full queue answers; called before decoding so an overloaded server sheds load cheaply. */
  admit(warmup = false): void {
    if (this.#closed) throw new UnavailableError(`${this.label} is unloading`);
    if (this.#queue.length >= this.#settings.maxQueueSize) {
      if (!warmup) this.hooks.onReject?.('queue_full');
      throw new UnavailableError(`${this.label} is overloaded: ${this.#queue.length} requests queued (maxQueueSize); retry later`);
    }
  }

  /** Queues one request; `timeoutMs` (the protocol's) can only shorten the configured deadline. */
  submit(inputs: Record<string, Tensor>, outputs: readonly string[], timeoutMs?: number, warmup = false): Promise<BatchResult> {
    try {
      this.admit(warmup);
    } catch (err) {
      return Promise.reject(err);
    }
    const rows = this.#settings.batchable ? rowsOf(inputs) : null;
    const limit = Math.min(timeoutMs ?? Infinity, this.#settings.timeoutMs);
    return new Promise<BatchResult>((resolve, reject) => {
      const enqueued = performance.now();
      const entry: Entry = {
        key: rows === null ? null : batchKey(inputs, outputs),
        rows: rows ?? 1,
        inputs,
        outputs,
        enqueued,
        deadline: enqueued + limit,
        limit,
        state: 'queued',
        warmup,
        resolve,
        reject,
      };
      this.#deadlines.watch(entry.deadline);
      this.#queue.push(entry);
      this.#pump();
    });
  }

  /** Stops taking requests; queued ones get 503, a running batch finishes. Resolves when nothing runs. */
  async close(): Promise<void> {
    this.#closed = true;
    if (this.#wake !== null) clearImmediate(this.#wake);
    if (this.#delay !== null) clearTimeout(this.#delay);
    for (const entry of this.#queue.splice(0)) this.#settle(entry, () => entry.reject(new UnavailableError(`${this.label} is unloading`)));
    await this.#running;
    this.#deadlines.stop();
  }

  #expire(entry: Entry): void {
    if (entry.state === 'settled') return;
    const where = entry.state === 'queued' ? 'waiting in the queue' : 'while running';
    const at = this.#queue.indexOf(entry);
    if (at !== -1) this.#queue.splice(at, 1);
    if (!entry.warmup) this.hooks.onReject?.('timeout');
    this.#settle(entry, () => entry.reject(new RequestTimeoutError(`${this.label}: request timed out after ${entry.limit} ms ${where}`)));
  }

  #settle(entry: Entry, action: () => void): void {
    if (entry.state === 'settled') return;
    entry.state = 'settled';
    action();
  }

  /**
   * NOTE: dispatch waits for setImmediate, i.e. until the poll phase has read every request that arrived
   * while the previous run held the event loop, so they all join the next batch.
   */
  #pump(): void {
    if (this.#running !== null || this.#wake !== null || this.#closed || this.#queue.length === 0) return;
    this.#wake = setImmediate(() => {
      this.#wake = null;
      this.#turnStarted = performance.now();
      this.#dispatch(false);
    });
  }

  /**
   * After a run: a batch that is already full gains nothing from another poll phase, so it runs now, for up to
   * the turn budget (TURN_BUDGET_MS) of the current turn. Waiting a whole event-loop turn per batch made a
   * backlog (a queue longer than one batch) drain one batch per turn, each turn paying the poll's system
   * calls, so a server that fell behind fell further behind; a server that keeps up never has a full batch
   * left over.
   */
  #next(): void {
    if (performance.now() - this.#turnStarted < (this.#settings.turnBudgetMs ?? TURN_BUDGET_MS) && this.#dispatch(true)) return;
    this.#pump();
  }

  /** Starts the next batch; with `onlyFull`, only one that waiting could not improve. False when none started. */
  #dispatch(onlyFull: boolean): boolean {
    if (this.#running !== null || this.#closed) return false;
    const selection = selectBatch(this.#queue, this.#settings);
    if (selection === null || (onlyFull && !selection.full)) return false;
    const waitedMs = performance.now() - this.#queue[0].enqueued;
    if (!selection.full && waitedMs < this.#settings.maxQueueDelayMs) {
      if (this.#delay === null) {
        this.#delay = setTimeout(() => {
          this.#delay = null;
          this.#turnStarted = performance.now();
          this.#dispatch(false);
        }, this.#settings.maxQueueDelayMs - waitedMs);
      }
      return false;
    }
    if (this.#delay !== null) clearTimeout(this.#delay);
    this.#delay = null;
    const members = this.#take(selection.members);
    this.#runningMembers = members;
    this.#running = this.#runBatch(members).finally(() => {
      this.#running = null;
      this.#runningMembers = [];
      this.#next();
    });
    return true;
  }

  /** Removes the selected positions from the queue; the usual selection is a prefix, cut without a scan. */
  #take(positions: readonly number[]): Entry[] {
    if (positions[positions.length - 1] === positions.length - 1) return this.#queue.splice(0, positions.length);
    const taken = new Set(positions);
    const members = positions.map((i) => this.#queue[i]);
    this.#queue = this.#queue.filter((_, i) => !taken.has(i));
    return members;
  }

  /** Never rejects: whatever goes wrong, every member is settled before the next batch starts. */
  async #runBatch(members: Entry[]): Promise<void> {
    try {
      for (const m of members) m.state = 'running';
      const { event, outcomes, contractBroken } = await executeBatch(members, this.run);
      if (contractBroken) {
        this.#settings = { ...this.#settings, batchable: false };
        this.hooks.onContractBroken?.(`${this.label}: an output's first dimension is not the batch; merging turned off`);
      }
      // NOTE: the event goes out before any member settles, so whoever awaits a member sees its batch counted.
      this.hooks.onBatch?.(event);
      members.forEach((m, i) => {
        const outcome = outcomes[i];
        if (outcome !== null) this.#settle(m, () => ('result' in outcome ? m.resolve(outcome.result) : m.reject(outcome.error)));
      });
    } catch (err) {
      for (const m of members) this.#settle(m, () => m.reject(err as Error));
    }
  }
}
