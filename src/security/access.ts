// What each route needs, declared on the route itself (`config.access`) so authorization can't forget one.

/**
 * - public: health and server metadata, open for load balancers and probes
 * - read: a model's metadata (scope `read:<model>`)
 * - infer: predictions from a model (scope `infer:<model>`)
 * - metrics: Prometheus metrics (scope `metrics:read`)
 * - admin: repository control and every other control endpoint (scope `admin`)
 * A route without a declaration is treated as admin: anything not granted is denied.
 */
export type Access = 'public' | 'read' | 'infer' | 'metrics' | 'admin';

declare module 'fastify' {
  interface FastifyContextConfig {
    access?: Access;
  }
}
