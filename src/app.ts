// buildApp(config, deps): the whole server as a Fastify instance, plugins registered in an explicit order; no listen.
import Fastify, { LogController, type FastifyInstance } from 'fastify';
import { serializerCompiler, validatorCompiler } from 'fastify-type-provider-zod';
import type { Logger } from 'pino';
import { Registry } from 'prom-client';
import { ConfigError } from './config/load.js';
import type { Config } from './config/schema.js';
import { ServerHealth } from './health.js';
import type { BackendFactory } from './inference/backend.js';
import { DataPlane } from './inference/data-plane.js';
import { createLogger, deferringLogger } from './logging.js';
import { createServerMetrics } from './monitoring/metrics.js';
import { registerHttpMetrics } from './monitoring/metrics-plugin.js';
import { ModelMonitoring } from './monitoring/model-monitoring.js';
import { registerMonitoringMetrics } from './monitoring/monitoring-metrics.js';
import { ModelStatistics } from './monitoring/statistics.js';
import { registerBodyParser } from './plugins/body-parser.js';
import { registerCors } from './plugins/cors.js';
import { registerDocs } from './plugins/docs.js';
import { registerErrorHandlers } from './plugins/error-handler.js';
import { registerRequestEnd } from './plugins/request-end.js';
import { registerRequestLog } from './plugins/request-log.js';
import { registerResponseHeaders } from './plugins/response-headers.js';
import { registerWarmupGate } from './warmup/warmup-gate.js';
import { createModelLifecycle } from './registry/lifecycle.js';
import type { ModelControl } from './registry/model-control.js';
import type { LoadProbe } from './registry/version-loader.js';
import { requestUuid } from './request-id.js';
import { metricsRoutes } from './routes/metrics.js';
import { predictRoutes } from './routes/v1/predict.js';
import { feedbackRoutes } from './routes/v2/feedback.js';
import { healthRoutes } from './routes/v2/health.js';
import { inferRoutes } from './routes/v2/infer.js';
import { modelRoutes } from './routes/v2/models.js';
import { auditControlActions, auditModelLifecycle } from './security/audit.js';
import { registerSecurity } from './security/security-plugin.js';
import { closeIdleConnections, readTlsFiles, reloadTlsOnChange, transportOptions } from './security/transport.js';
import { repositoryRoutes } from './routes/v2/repository.js';
import { statsRoutes } from './routes/v2/stats.js';

declare module 'fastify' {
  interface FastifyInstance {
    config: Config;
    dataPlane: DataPlane;
    health: ServerHealth;
    /** Drift and accuracy monitoring; null when turned off (--monitoring false). */
    monitoring: ModelMonitoring | null;
    modelControl: ModelControl;
    statistics: ModelStatistics;
    /** Loads the model repository and marks the server ready; separate from build so probes answer meanwhile. */
    loadModels(): Promise<void>;
  }
}

export interface AppDeps {
  logger?: Logger;
  createBackend?: BackendFactory;
  metricsRegistry?: Registry;
  /** Clock of the monitoring windows and the feedback TTL (tests move it by hand). */
  now?: () => number;
  /** Replaces the load probe (tests); null turns it off. */
  probe?: LoadProbe | null;
}

const REQUEST_ID = /^[A-Za-z0-9._:-]{1,128}$/;

/** Security settings that name files (keys, JWKS, certificates) are checked here; a problem stops startup like a bad flag. */
function atStartup<T>(build: () => T): T {
  try {
    return build();
  } catch (err) {
    throw err instanceof ConfigError ? err : new ConfigError(`Invalid settings:\n  ${(err as Error).message}`);
  }
}

export async function buildApp(config: Config, deps: AppDeps = {}): Promise<FastifyInstance> {
  const logger = deps.logger ?? createLogger(config);
  const tls = atStartup(() => readTlsFiles(config));
  const app = Fastify({
    ...transportOptions(config, tls),
    trustProxy: config.trustProxy === '' ? false : config.trustProxy,
    // NOTE: requests get deferred children of it (see deferringLogger).
    loggerInstance: deferringLogger(logger),
    // NOTE: plugins/request-log.ts writes the one line per request instead of Fastify's two.
    logController: new LogController({ disableRequestLogging: true }),
    bodyLimit: config.bodyLimitBytes,
    // NOTE: a caller's X-Request-Id is kept (when sane) so logs line up across services.
    genReqId: (req) => {
      const given = req.headers['x-request-id'];
      return typeof given === 'string' && REQUEST_ID.test(given) ? given : requestUuid();
    },
    routerOptions: { maxParamLength: 256 },
    // NOTE: requests arriving on open keep-alive connections during a drain are served (with Connection: close)
    // rather than refused with Fastify's own 503 body.
    return503OnClosing: false,
  }) as unknown as FastifyInstance;
  app.setValidatorCompiler(validatorCompiler);
  app.setSerializerCompiler(serializerCompiler);

  const lifecycle = createModelLifecycle(config, { logger, createBackend: deps.createBackend, probe: deps.probe });
  const registry = lifecycle.registry;
  const dataPlane = new DataPlane(registry, {
    maxBatchSize: config.maxBatchSize,
    maxQueueDelayMs: config.maxQueueDelayMs,
    maxQueueSize: config.maxQueueSize,
    timeoutMs: config.inferenceTimeoutMs,
  });
  const health = new ServerHealth(registry, config.strictReadiness);
  const monitoring = config.monitoring
    ? new ModelMonitoring({ registry, dataPlane, logger, feedbackTtlMs: config.feedbackTtlSeconds * 1000, feedbackMaxRows: config.feedbackMaxRows, now: deps.now })
    : null;
  app.decorate('config', config);
  app.decorate('dataPlane', dataPlane);
  app.decorate('health', health);
  app.decorate('monitoring', monitoring);
  app.decorate('modelControl', lifecycle.control);
  app.decorate('statistics', new ModelStatistics(registry, dataPlane));
  app.decorate('loadModels', async () => {
    await lifecycle.start();
    health.markStarted();
  });

  registerErrorHandlers(app);
  registerBodyParser(app, config.bodyLimitBytes);
  const onRequestEnd = registerRequestEnd(app);
  // NOTE: first of the lifecycle listeners, so every later one sees the warm-up's requests flagged.
  registerWarmupGate(app, onRequestEnd);
  registerRequestLog(onRequestEnd, config.accessLog);
  registerResponseHeaders(app, onRequestEnd, { tls: tls !== undefined, onDraining: (l) => health.onDraining(l) });
  app.addHook('preClose', async () => health.markDraining());
  registerCors(app, config.corsOrigins);
  const metrics = config.metrics ? createServerMetrics(deps.metricsRegistry ?? new Registry(), registry, dataPlane) : null;
  atStartup(() =>
    registerSecurity(app, {
      config,
      logger,
      modelScopes: (model) => registry.config(model)?.scopes,
      onRefusal: metrics === null ? undefined : (r) => metrics.requestRefused(r.kind, r.reason),
    }),
  );
  auditControlActions(onRequestEnd);
  registry.addHooks(auditModelLifecycle(logger));
  closeIdleConnections(app, config.idleTimeoutMs);
  if (tls !== undefined) reloadTlsOnChange(app, config);
  await registerDocs(app, config.docs);
  if (metrics !== null) {
    registerHttpMetrics(onRequestEnd, metrics, registry);
    if (monitoring !== null) registerMonitoringMetrics(metrics.register, monitoring);
    await app.register(metricsRoutes(metrics));
  }
  await app.register(healthRoutes);
  await app.register(modelRoutes);
  await app.register(inferRoutes);
  await app.register(predictRoutes);
  await app.register(feedbackRoutes);
  await app.register(repositoryRoutes);
  await app.register(statsRoutes);
  app.addHook('onClose', async () => lifecycle.stop());
  return app;
}
