// Startup warm-up of the request path: seconds of real HTTP inference requests, from a child process, before readiness.
import { fork } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import type { FastifyInstance } from 'fastify';
import { childEntry } from '../child-entry.js';
import type { Config } from '../config/schema.js';
import { elementCount, type ModelSignature } from '../inference/tensor.js';
import { concreteShape } from '../inference/warmup.js';
import { WARMUP_HEADER } from './warmup-gate.js';

/** One request the warm-up sends, again and again. */
export interface WarmupTarget {
  path: string;
  body: string;
}

/** What the warm-up's process is told (over IPC: the token never appears in argv or the environment). */
export interface WarmupOrder {
  url: string;
  header: string;
  token: string;
  seconds: number;
  connections: number;
  targets: WarmupTarget[];
}

/** What it answers: requests sent, answers by status ('error' for no answer), the first transport error. */
export interface WarmupReport {
  requests: number;
  statuses: Record<string, number>;
  error?: string;
}

export interface WarmupOutcome {
  /** Why nothing was sent, when nothing was. */
  skipped?: string;
  /** Models warmed, and those left out (with why). */
  models: string[];
  leftOut: string[];
  requests: number;
  statuses: Record<string, number>;
  error?: string;
  seconds: number;
}

const CLIENT = childEntry(import.meta.url, 'client');

/** Keep-alive connections the warm-up keeps busy: enough for the batcher to merge, as under real load. */
export const WARMUP_CONNECTIONS = 16;
/** Models whose warm-up body would be larger are left out: their requests would take the time of many small ones. */
export const MAX_WARMUP_BODY = 256 * 1024;
/** How long past its seconds the warm-up's process may take to report before it is killed. */
const REPORT_GRACE_MS = 15_000;

/** A V2 JSON request body of zeros shaped like the signature (dynamic dimensions 1), as the model warm-up runs. */
export function warmupBody(signature: ModelSignature): string {
  const inputs = signature.inputs.map((spec) => {
    const shape = concreteShape(spec.shape);
    const zero = spec.datatype === 'BOOL' ? false : spec.datatype === 'BYTES' ? '' : 0;
    return { name: spec.name, datatype: spec.datatype, shape, data: new Array<unknown>(elementCount(shape)).fill(zero) };
  });
  return JSON.stringify({ inputs });
}

/**
 * One target per model with a version ready to serve unversioned requests. NOTE: a model whose model.yaml says
 * `warmup: false` is left out: zeros may not be valid input for it, which is usually why it says so.
 */
export function warmupTargets(app: FastifyInstance): { targets: WarmupTarget[]; models: string[]; leftOut: string[] } {
  const targets: WarmupTarget[] = [];
  const models: string[] = [];
  const leftOut: string[] = [];
  for (const name of app.dataPlane.registry.names()) {
    if (app.dataPlane.registry.readyVersions(name).length === 0) continue;
    const serving = app.dataPlane.registry.resolve(name);
    if (!serving.config.warmup) {
      leftOut.push(`${name} (warmup: false in its model.yaml)`);
      continue;
    }
    // NOTE: sized before it is built: every zero takes at least 2 bytes ("0,"), and an image model's zeros can run to millions.
    const elements = serving.signature.inputs.reduce((n, spec) => n + elementCount(concreteShape(spec.shape)), 0);
    const body = elements * 2 > MAX_WARMUP_BODY ? undefined : warmupBody(serving.signature);
    if (body === undefined || body.length > MAX_WARMUP_BODY) {
      leftOut.push(`${name} (a request of at least ${Math.round(Math.max(elements * 2, body?.length ?? 0) / 1024)} KiB)`);
      continue;
    }
    targets.push({ path: `/v2/models/${encodeURIComponent(name)}/infer`, body });
    models.push(name);
  }
  return { targets, models, leftOut };
}

/** The address the warm-up connects to: the listening one, or loopback when the server listens on every interface. */
export function warmupUrl(url: string): string {
  const u = new URL(url);
  if (u.hostname === '0.0.0.0') u.hostname = '127.0.0.1';
  else if (u.hostname === '[::]') u.hostname = '[::1]';
  return u.origin;
}

/** Runs the warm-up's process and waits for its report; it is killed if it overstays. */
function runClient(order: WarmupOrder): Promise<WarmupReport> {
  return new Promise((resolve) => {
    const child = fork(fileURLToPath(CLIENT.url), [], { execArgv: CLIENT.execArgv, stdio: ['ignore', 'ignore', 'pipe', 'ipc'] });
    let stderr = '';
    child.stderr?.on('data', (chunk: Buffer) => {
      if (stderr.length < 4096) stderr += chunk.toString();
    });
    let report: WarmupReport | undefined;
    const timer = setTimeout(() => child.kill('SIGKILL'), order.seconds * 1000 + REPORT_GRACE_MS);
    // NOTE: the order goes out once the child says it listens: one that arrived before its listener could be dropped.
    child.on('message', (message: WarmupReport | { listening: true }) => {
      if ('listening' in message) child.send(order);
      else report = message;
    });
    // NOTE: a process that failed to start may emit 'error' without 'exit'; the first of the two settles.
    child.once('error', (err) => {
      clearTimeout(timer);
      resolve(report ?? { requests: 0, statuses: {}, error: `the warm-up process failed: ${err.message}` });
    });
    child.once('exit', (code, signal) => {
      clearTimeout(timer);
      const why = signal === 'SIGKILL' ? 'was killed after overstaying' : `exited (code ${code})`;
      resolve(report ?? { requests: 0, statuses: {}, error: `the warm-up process ${why} without a report${stderr === '' ? '' : `: ${stderr.trim().split('\n').pop()}`}` });
    });
  });
}

/**
 * Sends `config.warmupSeconds` of inference requests, over the server's own port, to every model that serves.
 *
 * NOTE: a fresh process answers its first seconds of traffic slowly while V8 compiles the request path (README:
 * Cold start: p99 of hundreds of ms for the first 4 s at 5,000 iris requests/s). Running the path in-process
 * through inject() warmed it, but on stand-in requests and responses: V8 kept that feedback, and the server then
 * spent 13-23 % more CPU per request for as long as it was measured. Real HTTP from another process trains it on exactly
 * what traffic will bring. The requests are flagged (warmup-gate.ts) and left out of metrics, statistics,
 * monitoring, feedback, logs, authentication and rate limits.
 */
export async function warmUpRequestPath(app: FastifyInstance, url: string, config: Config): Promise<WarmupOutcome> {
  const started = performance.now();
  const outcome = (rest: Partial<WarmupOutcome>): WarmupOutcome => ({ models: [], leftOut: [], requests: 0, statuses: {}, ...rest, seconds: (performance.now() - started) / 1000 });
  // NOTE: --warmup false usually means zeros are no input for these models; the warm-up sends zeros.
  if (!config.warmup) return outcome({ skipped: 'model warm-up is off (--warmup false)' });
  if (config.tlsClientCa !== undefined && config.tlsClientAuth === 'handshake') {
    return outcome({ skipped: 'mutual TLS at the handshake: the warm-up has no client certificate' });
  }
  const { targets, models, leftOut } = warmupTargets(app);
  if (targets.length === 0) return outcome({ models, leftOut, skipped: 'no model serves' });
  const token = app.warmupGate.open();
  try {
    const report = await runClient({ url: warmupUrl(url), header: WARMUP_HEADER, token, seconds: config.warmupSeconds, connections: WARMUP_CONNECTIONS, targets });
    return outcome({ models, leftOut, ...report });
  } finally {
    app.warmupGate.close();
  }
}
