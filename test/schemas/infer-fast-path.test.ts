// src/schemas/infer-fast-path.ts: accepts only what InferRequestSchema accepts, and returns what zod would.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { DATATYPES } from '../../src/inference/tensor.js';
import { plainInferRequest, plainModelParams } from '../../src/schemas/infer-fast-path.js';
import { ModelParamsSchema, VersionParamsSchema } from '../../src/schemas/common.js';
import { InferRequestSchema } from '../../src/schemas/v2.js';
import { mulberry32 } from '../../tools/train/prng.js';

const random = mulberry32(20261204);
const pick = <T>(items: readonly T[]): T => items[Math.floor(random() * items.length)];
const chance = (p: number) => random() < p;

/** Values that break a field in the ways JSON can: wrong types, empty, negative, fractional, unsafe, null. */
const ODD_VALUES: unknown[] = [null, true, 0, -1, 1.5, 2 ** 53, '', 'x', [], {}, [1, -1], [0.5], ['1'], [[1]], 'FP32', { name: 'x' }, 'x'.repeat(257)];

function plainInput(): Record<string, unknown> {
  const input: Record<string, unknown> = { name: pick(['features', 'x', 'input_1']), shape: [1 + Math.floor(random() * 4), 4], datatype: pick(DATATYPES) };
  if (chance(0.8)) input.data = chance(0.5) ? [1, 2, 3] : [[1, 2], [3, 4]];
  return input;
}

function plainBody(): Record<string, unknown> {
  const body: Record<string, unknown> = { inputs: Array.from({ length: 1 + Math.floor(random() * 3) }, plainInput) };
  if (chance(0.5)) body.id = chance(0.9) ? `req-${Math.floor(random() * 1e6)}` : 'x'.repeat(pick([0, 255, 256]));
  if (chance(0.4)) body.outputs = Array.from({ length: Math.floor(random() * 3) }, () => ({ name: pick(['label', 'probabilities']) }));
  return body;
}

/** One change somewhere in the body: a field replaced, removed or added, an extra key, a container swapped. */
function mutate(body: Record<string, unknown>): unknown {
  const inputs = body.inputs as Record<string, unknown>[];
  const input = pick(inputs);
  switch (Math.floor(random() * 10)) {
    case 0: return pick(ODD_VALUES);
    case 1: body[pick(['id', 'inputs', 'outputs', 'parameters', 'extra'])] = pick(ODD_VALUES); return body;
    case 2: input[pick(['name', 'shape', 'datatype', 'data', 'parameters', 'extra'])] = pick(ODD_VALUES); return body;
    case 3: delete input[pick(['name', 'shape', 'datatype', 'data'])]; return body;
    case 4: (input.shape as unknown[])[0] = pick(ODD_VALUES); return body;
    case 5: input.shape = Array.from({ length: pick([0, 32, 33]) }, () => 1); return body;
    case 6: body.outputs = [{ name: pick(['label', '', 1]), ...(chance(0.5) ? { parameters: pick([{}, { binary_data: true }, { classification: 0 }, null]) } : {}) }]; return body;
    case 7: body.parameters = pick([{}, { binary_data_output: true }, { timeout: -1 }, { timeout: 5 }, null]); return body;
    case 8: inputs.push(pick(ODD_VALUES) as Record<string, unknown>); return body;
    default: body.inputs = pick([[], {}, null, 'x']); return body;
  }
}

test('never accepts a body zod refuses, and returns exactly what zod returns, over 20,000 generated bodies', () => {
  let fast = 0;
  let refusedByZod = 0;
  for (let i = 0; i < 20_000; i++) {
    const body = chance(0.4) ? plainBody() : mutate(plainBody());
    const snapshot = JSON.stringify(body);
    const plain = plainInferRequest(body);
    const parsed = InferRequestSchema.safeParse(JSON.parse(snapshot ?? 'null'));
    if (!parsed.success) refusedByZod++;
    if (plain === undefined) continue;
    fast++;
    assert.ok(parsed.success, `accepted what zod refuses: ${snapshot}`);
    assert.deepEqual(plain, parsed.data, snapshot);
  }
  // NOTE: both sides exercised: most plain bodies take the fast path, and many mutations are refused.
  assert.ok(fast > 8_000, `only ${fast} bodies took the fast path`);
  assert.ok(refusedByZod > 5_000, `only ${refusedByZod} bodies were refused`);
});

test('the bodies clients send take the fast path; parameters, unknown keys and bad fields go to zod', () => {
  const iris = { id: 'a', inputs: [{ name: 'features', shape: [1, 4], datatype: 'FP32', data: [5.1, 3.5, 1.4, 0.2] }] };
  assert.equal(plainInferRequest(iris), iris);
  const binary = { inputs: [{ name: 'x', shape: [2, 3], datatype: 'FP32', parameters: { binary_data_size: 24 } }], outputs: [{ name: 'y', parameters: { binary_data: true } }] };
  assert.equal(plainInferRequest(binary), undefined);
  assert.equal(plainInferRequest({ ...iris, parameters: { timeout: 1000 } }), undefined);
  assert.equal(plainInferRequest({ ...iris, extra: 1 }), undefined);
  assert.equal(plainInferRequest({ inputs: [{ ...iris.inputs[0], shape: [1, -4] }] }), undefined);
  assert.equal(plainInferRequest({ inputs: [] }), undefined);
  assert.equal(plainInferRequest({ ...iris, id: 'x'.repeat(257) }), undefined);
});

test('path parameters: the fast path accepts only what zod accepts and returns what zod returns', () => {
  const names: unknown[] = ['iris', 'bench-mlp', 'a', 'A1_b.c-d', 'x'.repeat(128), 'x'.repeat(129), '', '.hidden', '-x', 'a/b', 'é', 1, null, undefined];
  const versions: unknown[] = ['1', '2', '10', '1234567890', '12345678901', '0', '01', '-1', '1.5', ' 1', '', 1, null, undefined];
  let fast = 0;
  for (const model of names) {
    for (const version of versions) {
      for (const extra of [undefined, 'x']) {
        const params: Record<string, unknown> = { model };
        if (version !== undefined) params.version = version;
        if (extra !== undefined) params.extra = extra;
        for (const [schema, versioned] of [[ModelParamsSchema, false], [VersionParamsSchema, true]] as const) {
          const plain = plainModelParams(params, versioned);
          const parsed = schema.safeParse(params);
          if (plain === undefined) continue;
          fast++;
          assert.ok(parsed.success, `accepted what zod refuses: ${JSON.stringify(params)} (versioned ${versioned})`);
          assert.deepEqual(plain, parsed.data);
        }
      }
    }
  }
  assert.ok(fast >= 20, `only ${fast} parameter sets took the fast path`);
  assert.deepEqual(plainModelParams({ model: 'iris' }, false), { model: 'iris' });
  assert.deepEqual(plainModelParams({ model: 'iris', version: '2' }, true), { model: 'iris', version: '2' });
  assert.equal(plainModelParams({ model: 'iris' }, true), undefined, 'a missing version goes to zod');
});
