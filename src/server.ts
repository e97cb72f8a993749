// The process around the app: listen, load models, and drain gracefully on SIGTERM/SIGINT.
import type { FastifyInstance } from 'fastify';
import { buildApp, type AppDeps } from './app.js';
import type { Config } from './config/schema.js';

export interface RunningServer {
  app: FastifyInstance;
  /** The address actually bound (port 0 picks one). */
  url: string;
  /** Stops accepting, waits for in-flight requests, releases models. */
  close(): Promise<void>;
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
  await app.loadModels();
  app.log.info({ url, models: app.dataPlane.registry.names() }, 'server ready');
  return { app, url, close: () => app.close() };
}

/** SIGTERM/SIGINT: readiness turns false at once, in-flight requests finish, then exit 0. A second signal exits now. */
export function exitOnSignals(server: RunningServer): void {
  let stopping = false;
  const stop = (signal: NodeJS.Signals) => {
    if (stopping) {
      server.app.log.warn({ signal }, 'second signal: exiting without draining');
      process.exit(1);
    }
    stopping = true;
    server.app.log.info({ signal }, 'shutting down: draining in-flight requests');
    server.app.health.markDraining();
    server
      .close()
      .then(() => {
        server.app.log.info('shutdown complete');
        process.exit(0);
      })
      .catch((err: unknown) => {
        server.app.log.error({ err }, 'shutdown failed');
        process.exit(1);
      });
  };
  process.on('SIGTERM', stop);
  process.on('SIGINT', stop);
}
