// The audit trail: refused credentials, refused scopes, control actions and model loads/unloads as structured log events (`audit: true`), never a secret.
import type { FastifyRequest } from 'fastify';
import type { Logger } from 'pino';
import type { RequestLifecycle } from '../plugins/request-end.js';
import { routePattern } from '../plugins/request-log.js';
import type { RegistryHooks } from '../registry/model-registry.js';
import { principalLabel } from './authenticator.js';
import { clientCertificate } from './transport.js';

/** Who made a request, as the audit log names it: the principal, the client certificate and the address. */
function who(request: FastifyRequest): Record<string, unknown> {
  return {
    principal: request.principal === null ? 'anonymous' : principalLabel(request.principal),
    tlsClient: clientCertificate(request)?.subject,
    ip: request.ip,
  };
}

/** One audit event about a request; refusals are warnings, the rest info. */
export function audit(request: FastifyRequest, event: string, fields: Record<string, unknown>): void {
  const line = {
    audit: true,
    event,
    ...who(request),
    method: request.method,
    url: routePattern(request),
    model: (request.params as { model?: string } | undefined)?.model,
    ...fields,
  };
  if (event === 'control') request.log.info(line, 'audit');
  else request.log.warn(line, 'audit');
}

/** Every request to a control route (declared admin, or undeclared), whoever sent it, with its outcome. */
export function auditControlActions(onRequestEnd: (l: RequestLifecycle) => void): void {
  onRequestEnd({
    onEnd(request, reply, aborted, route) {
      if (request.is404 || (route.access ?? 'admin') !== 'admin') return;
      audit(request, 'control', { status: aborted ? 499 : reply.statusCode, outcome: !aborted && reply.statusCode < 400 ? 'done' : 'refused or failed' });
    },
  });
}

/** Model versions entering and leaving service, whatever triggered it (startup, a control request, the repository). */
export function auditModelLifecycle(logger: Logger): RegistryHooks {
  return {
    onLoad: (v) => logger.info({ audit: true, event: 'model.loaded', model: v.name, version: v.version }, 'audit'),
    onUnload: (v) => logger.info({ audit: true, event: 'model.unloaded', model: v.name, version: v.version }, 'audit'),
  };
}
