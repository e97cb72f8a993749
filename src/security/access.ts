// What each route needs, declared on the route itself (`config.access`), and which scopes grant it: pure, table-tested.
import { z } from 'zod';

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
    /**
     * A 'read' route that lists models and shows each caller only those it may read (`request.mayRead`):
     * any authenticated caller may call it. Without this, a 'read' or 'infer' route with no `:model`
     * parameter needs the wildcard scope (`read:*`, `infer:*`), so a route about every model can't leak one.
     */
    listsModels?: boolean;
  }
}

/** Extra scopes a model's model.yaml declares: holders of one may infer with (or read) that model. */
export interface ModelScopes {
  readonly infer: readonly string[];
  readonly read: readonly string[];
}

/** Scope strings: letters, digits and `_ . : * / @ -`; `infer:` and `read:` take a model name or `*`. */
export const SCOPE_PATTERN = /^[A-Za-z0-9_.:*/@-]{1,128}$/;
const MODEL_SCOPE = /^(infer|read):(.*)$/;
const MODEL_NAME = /^[A-Za-z0-9][A-Za-z0-9_.-]{0,127}$/;

/** Why a scope string is unusable, or null. Scopes other than the built-in ones are allowed (model.yaml may grant them). */
export function scopeProblem(scope: string): string | null {
  if (!SCOPE_PATTERN.test(scope)) return `scope '${scope.slice(0, 40)}' may only use letters, digits and _ . : * / @ - (1-128 characters)`;
  const m = MODEL_SCOPE.exec(scope);
  if (m !== null && m[2] !== '*' && !MODEL_NAME.test(m[2])) return `scope '${scope}' names no valid model (use ${m[1]}:<model> or ${m[1]}:*)`;
  return null;
}

/** A scope in model.yaml or the keys file. */
export const ScopeSchema = z.string().superRefine((scope, ctx) => {
  const problem = scopeProblem(scope);
  if (problem !== null) ctx.addIssue({ code: 'custom', message: problem });
});

/** True for the scopes this server defines itself; any other scope grants only what a model.yaml says. */
export const isBuiltInScope = (scope: string): boolean => scope === 'admin' || scope === 'metrics:read' || MODEL_SCOPE.test(scope);

/** The one scope that grants `access` (to `model`), as named in 403 answers and WWW-Authenticate. */
export function requiredScope(access: Access, model?: string): string {
  switch (access) {
    case 'public':
      return '';
    case 'metrics':
      return 'metrics:read';
    case 'admin':
      return 'admin';
    default:
      return `${access}:${model ?? '*'}`;
  }
}

const holdsAny = (scopes: ReadonlySet<string>, wanted: readonly string[]): boolean => wanted.some((s) => scopes.has(s));

/**
 * Whether `scopes` grant `access` to `model`. `infer` on a model includes reading its metadata (its 400
 * answers reveal the signature anyway); `admin` grants control only, not inference or metadata.
 */
export function isAllowed(scopes: ReadonlySet<string>, access: Access, model?: string, extra?: ModelScopes): boolean {
  switch (access) {
    case 'public':
      return true;
    case 'metrics':
      return scopes.has('metrics:read');
    case 'admin':
      return scopes.has('admin');
    case 'infer':
      if (scopes.has('infer:*')) return true;
      return model !== undefined && (scopes.has(`infer:${model}`) || holdsAny(scopes, extra?.infer ?? []));
    case 'read':
      if (scopes.has('read:*') || scopes.has('infer:*')) return true;
      if (model === undefined) return false;
      return scopes.has(`read:${model}`) || scopes.has(`infer:${model}`) || holdsAny(scopes, extra?.read ?? []) || holdsAny(scopes, extra?.infer ?? []);
    default:
      return false;
  }
}
