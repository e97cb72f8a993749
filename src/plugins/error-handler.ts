// The one place errors become HTTP: {"error": ...} with the error's status; 5xx details stay in the logs.
import type { FastifyError, FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import FindMyWay, { type HTTPVersion } from 'find-my-way';
import { hasZodFastifySchemaValidationErrors } from 'fastify-type-provider-zod';
import { ServiceError } from '../errors.js';
import type { Access } from '../security/access.js';

declare module 'fastify' {
  interface FastifyInstance {
    /** Every route the app serves (method, URL pattern, declared access), HEAD excluded; tests enumerate routes from it. */
    routeIndex: { method: string; url: string; access?: Access }[];
  }
  interface FastifyRequest {
    /** The client-facing error message, for the request log line. */
    errorMessage?: string;
  }
}

function validationMessage(err: FastifyError): string {
  const context = err.validationContext ?? 'request';
  const issues = (err.validation ?? []).map((v) => {
    const path = v.instancePath.replace(/^\//, '').replace(/\//g, '.');
    return `${context}${path ? `.${path}` : ''}: ${v.message}`;
  });
  return issues.join('; ') || err.message;
}

function render(request: FastifyRequest, reply: FastifyReply, status: number, message: string, headers: Record<string, string> = {}): FastifyReply {
  request.errorMessage = message;
  return reply.code(status).headers(headers).type('application/json').send({ error: message });
}

export function registerErrorHandlers(app: FastifyInstance): void {
  // NOTE: a second router over the same routes tells "wrong method" (405, as Triton answers) from "no such path".
  const byPath = FindMyWay<HTTPVersion.V1>({ ignoreTrailingSlash: true });
  const routeIndex: FastifyInstance['routeIndex'] = [];
  app.decorate('routeIndex', routeIndex);
  app.addHook('onRoute', (route) => {
    for (const method of [route.method].flat()) {
      if (method === 'HEAD') continue;
      byPath.on(method as 'GET', route.url, () => undefined);
      // NOTE: read when asked, so a later onRoute hook (the docs plugin marks its routes public) is seen.
      routeIndex.push({ method, url: route.url, get access() { return route.config?.access; } });
    }
  });

  app.setErrorHandler((err: FastifyError | ServiceError, request, reply) => {
    if (err instanceof ServiceError) {
      if (err.publicMessage === err.message) return render(request, reply, err.statusCode, err.message, err.headers);
      request.log.error({ err }, 'request failed');
      return render(request, reply, err.statusCode, `${err.publicMessage} (request id ${request.id}; details in the server log)`, err.headers);
    }
    if (hasZodFastifySchemaValidationErrors(err)) return render(request, reply, 400, validationMessage(err));
    const status = err.statusCode ?? 500;
    if (status >= 400 && status < 500) return render(request, reply, status, err.message);
    request.log.error({ err }, 'unhandled error');
    return render(request, reply, 500, `internal error (request id ${request.id}; details in the server log)`);
  });

  app.setNotFoundHandler((request, reply) => {
    const path = request.url.split('?')[0];
    const allowed = (['GET', 'POST', 'PUT', 'DELETE', 'PATCH'] as const).filter((m) => byPath.find(m, path) !== null);
    if (allowed.length > 0) {
      return render(request, reply, 405, `method ${request.method} not allowed on ${path}; use ${allowed.join(', ')}`, { allow: allowed.join(', ') });
    }
    return render(request, reply, 404, `no route for ${request.method} ${path}`);
  });
}
