// Load generator process: closed loop (N connections) or open loop (fixed rate, latency from the intended send time).
//
//   node --import tsx bench/loadgen.ts '<json LoadSpec>'   → prints one JSON LoadResult line
//
// HTTP/1.1 over raw sockets with the request bytes built once: the generator shares 2 cores with the server, so it
// must spend as little CPU per request as possible (no per-request objects beyond a timestamp).
import { readFileSync } from 'node:fs';
import { connect, type Socket } from 'node:net';
import { performance } from 'node:perf_hooks';

export interface LoadSpec {
  url: string;
  /** File holding the request body, and the headers to send with it. */
  bodyFile: string;
  headers: Record<string, string>;
  mode: 'closed' | 'open';
  /** Closed loop: connections, each sending its next request when the previous answer arrives. Open loop: the pool. */
  connections: number;
  /**
   * Open loop: requests per second, sent on schedule whatever the answers do, over a pool of `connections` keep-alive
   * connections opened (and each answered once) before the clock starts, as wrk2 does.
   */
  rate?: number;
  warmupSeconds: number;
  seconds: number;
}

export interface LoadResult {
  requests: number;
  errors: number;
  throughput: number;
  p50Ms: number;
  p90Ms: number;
  p99Ms: number;
  maxMs: number;
}

/** One keep-alive connection that sends a request and parses the status and Content-Length of the answer. */
class Connection {
  readonly socket: Socket;
  #buf: Buffer = Buffer.alloc(0);
  #want = -1;
  #status = 0;
  busy = false;
  onAnswer: (ok: boolean) => void = () => undefined;

  constructor(host: string, port: number, onClose: (c: Connection) => void) {
    this.socket = connect({ host, port, noDelay: true });
    this.socket.on('data', (chunk) => this.#read(chunk));
    this.socket.on('error', () => undefined);
    this.socket.on('close', () => {
      if (this.busy) this.onAnswer(false);
      onClose(this);
    });
  }

  send(request: Buffer): void {
    this.busy = true;
    this.socket.write(request);
  }

  #read(chunk: Buffer): void {
    this.#buf = this.#buf.length === 0 ? chunk : Buffer.concat([this.#buf, chunk]);
    for (;;) {
      if (this.#want === -1) {
        const end = this.#buf.indexOf('\r\n\r\n');
        if (end === -1) return;
        const head = this.#buf.toString('latin1', 0, end);
        this.#status = Number(head.slice(9, 12));
        const length = /\r\ncontent-length: *(\d+)/i.exec(head);
        this.#want = end + 4 + (length === null ? 0 : Number(length[1]));
      }
      if (this.#buf.length < this.#want) return;
      this.#buf = this.#buf.subarray(this.#want);
      this.#want = -1;
      this.busy = false;
      this.onAnswer(this.#status >= 200 && this.#status < 300);
    }
  }
}

function percentile(sorted: Float64Array, p: number): number {
  if (sorted.length === 0) return NaN;
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))];
}

export async function runLoad(spec: LoadSpec): Promise<LoadResult> {
  const url = new URL(spec.url);
  const body = readFileSync(spec.bodyFile);
  const head = [`POST ${url.pathname} HTTP/1.1`, `Host: ${url.host}`, `Content-Length: ${body.length}`, ...Object.entries(spec.headers).map(([k, v]) => `${k}: ${v}`)];
  const request = Buffer.concat([Buffer.from(`${head.join('\r\n')}\r\n\r\n`, 'latin1'), body]);
  const idle: Connection[] = [];
  const open = new Set<Connection>();
  const newConnection = () => {
    const c = new Connection(url.hostname, Number(url.port), (closed) => open.delete(closed));
    open.add(c);
    return c;
  };
  // NOTE: the open loop's pool is open and answered once before the clock starts. Opening connections on demand
  // (as this generator did) measured a connection storm instead of the rate: Node 20's libuv accepts one connection
  // per event-loop turn, so once a busy server's answers slowed, the new connections queued in its accept backlog
  // for seconds and the generator opened more (README: Performance).
  if (spec.mode === 'open') {
    if (!(spec.connections >= 1)) throw new Error('an open loop needs a pool of at least one connection');
    const pool = Array.from({ length: spec.connections }, newConnection);
    await Promise.all(pool.map((c) => new Promise<void>((resolve) => {
      c.onAnswer = () => resolve();
      c.send(request);
    })));
    idle.push(...pool.filter((c) => !c.socket.destroyed));
  }
  const start = performance.now();
  const measureFrom = start + spec.warmupSeconds * 1000;
  const end = measureFrom + spec.seconds * 1000;
  const latencies: number[] = [];
  let requests = 0;
  let errors = 0;
  const record = (sentAt: number, ok: boolean) => {
    if (sentAt < measureFrom || sentAt >= end) return;
    requests++;
    if (!ok) errors++;
    latencies.push(performance.now() - sentAt);
  };

  await new Promise<void>((resolve) => {
    if (spec.mode === 'closed') {
      let live = spec.connections;
      for (let i = 0; i < spec.connections; i++) {
        const c = newConnection();
        let sentAt = 0;
        const next = () => {
          if (performance.now() >= end) {
            c.socket.destroy();
            if (--live === 0) resolve();
            return;
          }
          sentAt = performance.now();
          c.send(request);
        };
        c.onAnswer = (ok) => {
          record(sentAt, ok);
          if (!ok && c.socket.destroyed) {
            if (--live === 0) resolve();
            return;
          }
          next();
        };
        next();
      }
      return;
    }
    // NOTE: open loop: request i is due at start + i/rate; its latency counts from then, even when it had to wait
    // for a free connection of the pool (no coordinated omission).
    const interval = 1000 / spec.rate!;
    const due: number[] = [];
    let sent = 0;
    const dispatch = (c: Connection) => {
      const sentAt = due.shift()!;
      c.onAnswer = (ok) => {
        record(sentAt, ok);
        // NOTE: a closed connection leaves the pool; the request it took would be neither answered nor counted.
        if (c.socket.destroyed) return;
        if (due.length > 0) dispatch(c);
        else idle.push(c);
      };
      c.send(request);
    };
    const tick = () => {
      const now = performance.now();
      while (start + sent * interval <= now && start + sent * interval < end) due.push(start + sent++ * interval);
      while (due.length > 0) {
        let c = idle.pop();
        while (c?.socket.destroyed) c = idle.pop();
        if (c === undefined) break;
        dispatch(c);
      }
      if (now < end) setTimeout(tick, Math.max(0, Math.min(interval, 1)));
      else {
        // NOTE: answers due in the window may still arrive; wait for them briefly, then count the rest as errors.
        const deadline = now + 5000;
        const drain = () => {
          const busy = [...open].filter((c) => c.busy).length;
          if ((busy === 0 && due.length === 0) || performance.now() > deadline) {
            errors += busy + due.filter((d) => d >= measureFrom).length;
            resolve();
          } else setTimeout(drain, 5);
        };
        drain();
      }
    };
    tick();
  });
  for (const c of open) c.socket.destroy();
  const sorted = Float64Array.from(latencies).sort();
  return {
    requests,
    errors,
    throughput: requests / spec.seconds,
    p50Ms: percentile(sorted, 50),
    p90Ms: percentile(sorted, 90),
    p99Ms: percentile(sorted, 99),
    maxMs: sorted.length === 0 ? NaN : sorted[sorted.length - 1],
  };
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const result = await runLoad(JSON.parse(process.argv[2]) as LoadSpec);
  process.stdout.write(`${JSON.stringify(result)}\n`);
  process.exit(0);
}
