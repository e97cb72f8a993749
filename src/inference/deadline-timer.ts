// One timer per batcher for the deadlines of all its requests, rather than a timer created and cleared per request.
import { performance } from 'node:perf_hooks';

export interface HasDeadline {
  /** performance.now() milliseconds after which the request has timed out. */
  readonly deadline: number;
}

/**
 * Armed for the earliest deadline it was told of; when it fires it scans the live requests (queued and running),
 * expires those past due and re-arms for the earliest remaining one. With one configured timeout, deadlines arrive
 * in order, so in steady traffic it fires about once per timeout period and a request costs one comparison.
 */
export class DeadlineTimer<T extends HasDeadline> {
  #timer: NodeJS.Timeout | null = null;
  #armedFor = Infinity;

  constructor(
    private readonly live: () => Iterable<T>,
    private readonly onExpired: (item: T) => void,
  ) {}

  /** A request with this deadline is now live. */
  watch(deadline: number): void {
    if (deadline < this.#armedFor) this.#arm(deadline);
  }

  stop(): void {
    if (this.#timer !== null) clearTimeout(this.#timer);
    this.#timer = null;
    this.#armedFor = Infinity;
  }

  #arm(deadline: number): void {
    this.stop();
    this.#armedFor = deadline;
    this.#timer = setTimeout(() => this.#fire(), Math.max(0, deadline - performance.now()));
  }

  #fire(): void {
    this.#timer = null;
    this.#armedFor = Infinity;
    const now = performance.now();
    const expired: T[] = [];
    let next = Infinity;
    for (const item of this.live()) {
      if (item.deadline <= now) expired.push(item);
      else if (item.deadline < next) next = item.deadline;
    }
    for (const item of expired) this.onExpired(item);
    if (next < Infinity) this.#arm(next);
  }
}
