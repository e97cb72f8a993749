// Every route declares what access it needs, so authorization is decided per route and none is forgotten.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { buildTestApp, DEFAULT_MODELS } from '../helper.js';

test('every route of the app declares its access, and health stays public', async (t) => {
  const { app } = await buildTestApp(t, { config: { models: DEFAULT_MODELS }, load: false });
  const undeclared = app.routeIndex.filter((r) => !r.url.startsWith('/docs') && r.access === undefined);
  assert.deepEqual(undeclared, []);
  const access = (method: string, url: string) => app.routeIndex.find((r) => r.method === method && r.url === url)?.access;
  assert.equal(access('GET', '/v2/health/live'), 'public');
  assert.equal(access('GET', '/v2/health/ready'), 'public');
  assert.equal(access('POST', '/v2/models/:model/infer'), 'infer');
  assert.equal(access('GET', '/metrics'), 'metrics');
});
