// Every route declares what access it needs (none is forgotten), and which scopes grant which access: table tests of src/security/access.ts.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { isAllowed, requiredScope, scopeProblem, type Access, type ModelScopes } from '../../src/security/access.js';
import { buildTestApp, DEFAULT_MODELS } from '../helper.js';

test('every route of the app declares its access, and health stays public', async (t) => {
  const { app } = await buildTestApp(t, { config: { models: DEFAULT_MODELS }, load: false });
  const undeclared = app.routeIndex.filter((r) => r.access === undefined);
  assert.deepEqual(undeclared, []);
  assert.ok(app.routeIndex.filter((r) => r.url.startsWith('/docs')).every((r) => r.access === 'public'), 'Swagger UI is public');
  const access = (method: string, url: string) => app.routeIndex.find((r) => r.method === method && r.url === url)?.access;
  assert.equal(access('GET', '/v2/health/live'), 'public');
  assert.equal(access('GET', '/v2/health/ready'), 'public');
  assert.equal(access('POST', '/v2/models/:model/infer'), 'infer');
  assert.equal(access('GET', '/metrics'), 'metrics');
});

describe('isAllowed', () => {
  const extra = { infer: ['team-fraud'], read: ['analysts'] };
  const cases: [string[], Access, string | undefined, boolean, ModelScopes?][] = [
    [[], 'public', undefined, true],
    [[], 'infer', 'iris', false],
    [['infer:iris'], 'infer', 'iris', true],
    [['infer:iris'], 'infer', 'iris2', false],
    [['infer:*'], 'infer', 'anything', true],
    [['infer:iris'], 'infer', undefined, false],
    [['infer:*'], 'infer', undefined, true],
    [['read:*'], 'infer', 'iris', false],
    [['admin'], 'infer', 'iris', false],
    [['read:iris'], 'read', 'iris', true],
    [['infer:iris'], 'read', 'iris', true],
    [['infer:*'], 'read', 'iris', true],
    [['read:iris'], 'read', undefined, false],
    [['read:*'], 'read', undefined, true],
    [['admin', 'metrics:read'], 'read', 'iris', false],
    [['metrics:read'], 'metrics', undefined, true],
    [['admin'], 'metrics', undefined, false],
    [['admin'], 'admin', undefined, true],
    [['admin'], 'admin', 'iris', true],
    [['infer:*', 'read:*', 'metrics:read'], 'admin', undefined, false],
    [['team-fraud'], 'infer', 'fraud', true, extra],
    [['team-fraud'], 'read', 'fraud', true, extra],
    [['analysts'], 'read', 'fraud', true, extra],
    [['analysts'], 'infer', 'fraud', false, extra],
    [['team-fraud'], 'infer', 'iris', false],
    [['infer:iris'], 'bogus' as Access, 'iris', false],
  ];
  for (const [scopes, access, model, expected, modelScopes] of cases) {
    test(`[${scopes.join(' ')}] ${expected ? 'may' : 'may not'} ${access}${model ? ` ${model}` : ''}${modelScopes ? ' (model.yaml scopes)' : ''}`, () => {
      assert.equal(isAllowed(new Set(scopes), access, model, modelScopes), expected);
    });
  }

  test('requiredScope names the one scope a 403 asks for', () => {
    assert.equal(requiredScope('infer', 'iris'), 'infer:iris');
    assert.equal(requiredScope('read', undefined), 'read:*');
    assert.equal(requiredScope('metrics'), 'metrics:read');
    assert.equal(requiredScope('admin', 'iris'), 'admin');
  });

  test('scopeProblem accepts built-in and custom scopes and refuses malformed ones', () => {
    for (const ok of ['admin', 'metrics:read', 'infer:iris', 'infer:*', 'read:bench-mlp', 'team-fraud', 'roles/ml.user', 'svc@example']) assert.equal(scopeProblem(ok), null, ok);
    for (const bad of ['', 'infer:bad name', 'infer:', 'read:-x', 'a"b', 'x'.repeat(129), 'infer:ir\nis']) assert.notEqual(scopeProblem(bad), null, JSON.stringify(bad));
  });
});
