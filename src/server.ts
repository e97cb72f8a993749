// The process around the app: listen, load models, and drain gracefully on SIGTERM/SIGINT.
import { setTimeout as sleep } from 'node:timers/promises';
import type { FastifyInstance } from 'fastify';
import { buildApp, type AppDeps } from './app.js';
import type { Config } from './config/schema.js';
import { warmUpRequestPath, type WarmupOutcome } from './warmup/request-path.js';

export interface RunningServer {
  app: FastifyInstance;
  /** The address actually bound (port 0 picks one). */
  url: string;
  /** Stops accepting, waits for in-flight requests, releases models. */
  close(): Promise<void>;
  /**
   * What SIGTERM does: readiness false at once, keep serving for `shutdownDelaySeconds` (load balancers stop
   * routing here meanwhile), then stop accepting and let in-flight requests finish within `drainTimeoutSeconds`
   * (cutting the connections still open after it), then release every session. Resolves true when nothing was cut.
   */
  shutdown(): Promise<boolean>;
}

/**
 * Listens first, then loads: liveness answers during a long load while readiness stays false,
 * so Kubernetes neither kills a slow-loading pod nor sends it traffic early.
 */
export async function startServer(config: Config, deps: AppDeps = {}): Promise<RunningServer> {
  const app = await buildApp(config, deps);
  await app.listen({ host: config.host, port: config.port });
  const address = app.server.address();
  const port = typeof address === 'object' && address !== null ? address.port : config.port;
  const host = config.host.includes(':') ? `[${config.host}]` : config.host;
  const url = `${config.tlsCert === undefined ? 'http' : 'https'}://${host}:${port}`;
  // NOTE: held from before the load, so readiness never reads true between the load and the warm-up.
  const warming = config.warmupSeconds > 0 ? app.health.hold('warming up the request path') : undefined;
  try {
    await app.loadModels();
    if (warming !== undefined) logWarmup(app, await warmUpRequestPath(app, url, config));
  } finally {
    warming?.();
  }
  app.log.info({ url, models: app.dataPlane.registry.names() }, 'server ready');
  return { app, url, close: () => app.close(), shutdown: () => shutdown(app, config) };
}

function logWarmup(app: FastifyInstance, w: WarmupOutcome): void {
  const facts = { models: w.models, leftOut: w.leftOut.length > 0 ? w.leftOut : undefined, requests: w.requests, statuses: w.statuses, seconds: Number(w.seconds.toFixed(2)) };
  if (w.skipped !== undefined) app.log.info({ reason: w.skipped }, 'request path warm-up skipped');
  else if (w.error !== undefined || Object.keys(w.statuses).some((s) => s !== '200')) app.log.warn({ ...facts, error: w.error }, 'request path warm-up had failures; serving anyway');
  else app.log.info(facts, 'request path warmed up');
}

async function shutdown(app: FastifyInstance, config: Config): Promise<boolean> {
  app.health.markDraining();
  if (config.shutdownDelaySeconds > 0) {
    app.log.info({ seconds: config.shutdownDelaySeconds }, 'readiness is false; still serving while load balancers stop routing here');
    await sleep(config.shutdownDelaySeconds * 1000);
  }
  app.log.info({ timeoutSeconds: config.drainTimeoutSeconds }, 'closing: no new connections; in-flight requests finish');
  const closing = app.close();
  let timer: NodeJS.Timeout | undefined;
  const expired = new Promise<false>((resolve) => {
    timer = setTimeout(() => resolve(false), config.drainTimeoutSeconds * 1000);
  });
  const drained = await Promise.race([closing.then(() => true as const), expired]);
  clearTimeout(timer);
  if (!drained) {
    app.log.warn({ timeoutSeconds: config.drainTimeoutSeconds }, 'drain timeout: cutting the connections still open');
    app.server.closeAllConnections();
    await closing;
  }
  return drained;
}

/** SIGTERM/SIGINT: shutdown() (see above), then exit 0, or 1 when the drain timed out. A second signal exits now. */
export function exitOnSignals(server: RunningServer): void {
  let stopping = false;
  const stop = (signal: NodeJS.Signals) => {
    if (stopping) {
      server.app.log.warn({ signal }, 'second signal: exiting without draining');
      process.exit(1);
    }
    stopping = true;
    server.app.log.info({ signal }, 'shutting down');
    server
      .shutdown()
      .then((drained) => {
        server.app.log.info({ drained }, 'shutdown complete');
        process.exit(drained ? 0 : 1);
      })
      .catch((err: unknown) => {
        server.app.log.error({ err }, 'shutdown failed');
        process.exit(1);
      });
  };
  process.on('SIGTERM', stop);
  process.on('SIGINT', stop);
}
