// openapi.yaml is generated from the served routes' own schemas: it must be committed up to date and cover every route.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { test } from 'node:test';
import { parse } from 'yaml';
import { generateOpenApi, OPENAPI_FILE } from '../tools/openapi.js';
import { buildTestApp, DEFAULT_MODELS } from './helper.js';

/** Fastify route syntax (`:model(^regex)`, `::` for a literal colon) → OpenAPI path syntax. */
const toOpenApiPath = (url: string): string =>
  url.replace(/:([A-Za-z_]+)(\(\^[^)]*\))?(::)?/g, (_m, name: string, _re: string, colon?: string) => `{${name}}${colon ? ':' : ''}`);

test('the committed openapi.yaml equals the document generated from the app (run `npm run openapi`)', async () => {
  assert.equal(readFileSync(OPENAPI_FILE, 'utf8'), await generateOpenApi());
});

test('the routes the app serves and the paths openapi.yaml documents are the same set', async (t) => {
  const { app } = await buildTestApp(t, { config: { models: DEFAULT_MODELS }, load: false });
  const served = new Set(
    app.routeIndex.filter((r) => !r.url.startsWith('/docs')).map((r) => `${r.method} ${toOpenApiPath(r.url)}`),
  );
  const doc = parse(readFileSync(OPENAPI_FILE, 'utf8')) as { paths: Record<string, Record<string, unknown>> };
  const documented = new Set(Object.entries(doc.paths).flatMap(([path, ops]) => Object.keys(ops).map((m) => `${m.toUpperCase()} ${path}`)));
  assert.ok(served.has('POST /v2/models/{model}/versions/{version}/infer'));
  assert.ok(served.has('POST /v1/models/{model}:predict'));
  assert.deepEqual([...served].sort(), [...documented].sort());
});

test('Swagger UI is served at /docs and can be turned off', async (t) => {
  const on = await buildTestApp(t, { config: { models: DEFAULT_MODELS }, load: false });
  const page = await on.app.inject({ method: 'GET', url: '/docs/' });
  assert.equal(page.statusCode, 200);
  assert.match(page.body, /swagger/i);
  const json = await on.app.inject({ method: 'GET', url: '/docs/json' });
  assert.equal(JSON.parse(json.body).info.title, 'onnx-serve');
  const off = await buildTestApp(t, { config: { models: DEFAULT_MODELS, docs: false }, load: false });
  assert.equal((await off.app.inject({ method: 'GET', url: '/docs/' })).statusCode, 404);
});
