// src/inference/validate.ts: requests are checked against the model's signature before anything runs.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { InvalidInputError } from '../../src/errors.js';
import type { ModelSignature } from '../../src/inference/tensor.js';
import { decodeInputs, resolveOutputs, type InferInput, type RequestedOutput } from '../../src/inference/validate.js';

const SIGNATURE: ModelSignature = {
  inputs: [
    { name: 'a', datatype: 'FP32', shape: [-1, 3] },
    { name: 'k', datatype: 'INT64', shape: [2, -1] },
  ],
  outputs: [
    { name: 'y', datatype: 'FP32', shape: [-1, 3] },
    { name: 'text', datatype: 'BYTES', shape: [-1] },
    { name: 'half', datatype: 'FP16', shape: [-1] },
  ],
};

const A: InferInput = { name: 'a', datatype: 'FP32', shape: [1, 3], data: [1, 2, 3] };
const K: InferInput = { name: 'k', datatype: 'INT64', shape: [2, 1], data: [[4], [5]] };

function rejects(fn: () => unknown, pattern: RegExp): void {
  assert.throws(fn, (err: unknown) => {
    assert.ok(err instanceof InvalidInputError, `expected InvalidInputError, got ${String(err)}`);
    assert.equal(err.statusCode, 400);
    assert.match(err.message, pattern);
    return true;
  });
}

describe('decodeInputs', () => {
  test('valid JSON inputs decode into tensors keyed by name', () => {
    const out = decodeInputs(SIGNATURE, [A, K]);
    assert.deepEqual(Object.keys(out).sort(), ['a', 'k']);
    assert.deepEqual(out.a, { datatype: 'FP32', shape: [1, 3], data: Float32Array.from([1, 2, 3]) });
    assert.deepEqual(out.k, { datatype: 'INT64', shape: [2, 1], data: BigInt64Array.from([4n, 5n]) });
  });

  test('binary inputs decode from their buffers', () => {
    const binary = Buffer.from(Float32Array.from([1, 2, 3, 4, 5, 6]).buffer);
    const out = decodeInputs(SIGNATURE, [{ name: 'a', datatype: 'FP32', shape: [2, 3], binary }, K]);
    assert.deepEqual(Array.from(out.a.data as Float32Array), [1, 2, 3, 4, 5, 6]);
  });

  test('inputs may come in any order', () => {
    assert.deepEqual(Object.keys(decodeInputs(SIGNATURE, [K, A])).sort(), ['a', 'k']);
  });

  test('dynamic dimensions accept any size, zero included', () => {
    decodeInputs(SIGNATURE, [{ ...A, shape: [4, 3], data: new Array(12).fill(0) }, { ...K, shape: [2, 3], data: [1, 2, 3, 4, 5, 6] }]);
    decodeInputs(SIGNATURE, [{ ...A, shape: [0, 3], data: [] }, { ...K, shape: [2, 0], data: [] }]);
  });

  test('an unknown input is rejected, listing the expected ones', () => {
    rejects(() => decodeInputs(SIGNATURE, [A, K, { ...A, name: 'b' }]), /unknown input 'b'; the model expects 'a', 'k'/);
  });

  test('a missing input is rejected by name', () => {
    rejects(() => decodeInputs(SIGNATURE, [A]), /missing input 'k'/);
  });

  test('several missing inputs are all named', () => {
    rejects(() => decodeInputs(SIGNATURE, []), /missing inputs 'a', 'k'/);
  });

  test('an input given twice is rejected', () => {
    rejects(() => decodeInputs(SIGNATURE, [A, K, A]), /input 'a' given more than once/);
  });

  test('a datatype other than the model declares is rejected with both', () => {
    rejects(() => decodeInputs(SIGNATURE, [{ ...A, datatype: 'FP64' }, K]), /input 'a': datatype FP64 does not match the model's FP32/);
    rejects(() => decodeInputs(SIGNATURE, [A, { ...K, datatype: 'INT32' }]), /input 'k': datatype INT32 does not match the model's INT64/);
  });

  const SHAPES: [string, number[]][] = [
    ['a lower rank', [3]],
    ['a higher rank', [1, 3, 1]],
    ['rank 0', []],
    ['a different fixed dimension', [1, 4]],
  ];
  for (const [what, shape] of SHAPES) {
    test(`a shape of ${what} (${JSON.stringify(shape)}) is rejected against [-1, 3]`, () => {
      rejects(
        () => decodeInputs(SIGNATURE, [{ ...A, shape, data: [] }, K]),
        new RegExp(`input 'a': shape \\[${shape.join(', ')}\\] does not match the model's \\[-1, 3\\]`),
      );
    });
  }

  test("a fixed leading dimension is enforced ([2, -1] rejects [3, 1])", () => {
    rejects(() => decodeInputs(SIGNATURE, [A, { ...K, shape: [3, 1], data: [1, 2, 3] }]), /input 'k': shape \[3, 1\] does not match the model's \[2, -1\]/);
  });

  test('an input with both data and binary data is rejected', () => {
    rejects(
      () => decodeInputs(SIGNATURE, [{ ...A, binary: Buffer.alloc(12) }, K]),
      /input 'a': give exactly one of 'data' and parameters.binary_data_size/,
    );
  });

  test('an input with neither data nor binary data is rejected', () => {
    rejects(() => decodeInputs(SIGNATURE, [{ name: 'a', datatype: 'FP32', shape: [1, 3] }, K]), /input 'a': give exactly one of/);
  });

  test('codec errors surface with the input name', () => {
    rejects(() => decodeInputs(SIGNATURE, [{ ...A, data: [1, 2] }, K]), /input 'a': shape \[1, 3\] needs 3 elements, data has 2/);
    rejects(() => decodeInputs(SIGNATURE, [{ ...A, data: undefined, binary: Buffer.alloc(5) }, K]), /input 'a': .*needs 12 bytes/);
  });
});

describe('resolveOutputs', () => {
  test("no requested outputs means all of the model's, in model order, with the default encoding", () => {
    assert.deepEqual(resolveOutputs(SIGNATURE, undefined, true), [
      { name: 'y', binary: true },
      { name: 'text', binary: true },
      { name: 'half', binary: true },
    ]);
  });

  test('requested outputs are returned as given, in the requested order', () => {
    const requested: RequestedOutput[] = [
      { name: 'text', binary: false },
      { name: 'y', binary: true, classification: 2 },
    ];
    assert.deepEqual(resolveOutputs(SIGNATURE, requested, false), requested);
  });

  test('an empty request list means no outputs', () => {
    assert.deepEqual(resolveOutputs(SIGNATURE, [], false), []);
  });

  test('an unknown output is rejected, listing the model outputs', () => {
    rejects(() => resolveOutputs(SIGNATURE, [{ name: 'z', binary: false }], false), /unknown output 'z'; the model has 'y', 'text', 'half'/);
  });

  test('an output requested twice is rejected', () => {
    rejects(
      () => resolveOutputs(SIGNATURE, [{ name: 'y', binary: false }, { name: 'y', binary: true }], false),
      /output 'y' requested more than once/,
    );
  });

  test('classification of a BYTES output is rejected', () => {
    rejects(() => resolveOutputs(SIGNATURE, [{ name: 'text', binary: false, classification: 1 }], false), /output 'text': classification needs a numeric output, not BYTES/);
  });

  test('an FP16 output as JSON is rejected, pointing to binary_data', () => {
    rejects(() => resolveOutputs(SIGNATURE, [{ name: 'half', binary: false }], false), /output 'half' is FP16, which JSON can't carry; request it with binary_data: true/);
  });

  test("an FP16 output in a JSON default (no outputs named) is rejected", () => {
    rejects(() => resolveOutputs(SIGNATURE, undefined, false), /output 'half' is FP16/);
  });

  test('an FP16 output is fine as binary or as classification strings', () => {
    resolveOutputs(SIGNATURE, [{ name: 'half', binary: true }], false);
    resolveOutputs(SIGNATURE, [{ name: 'half', binary: false, classification: 3 }], false);
  });
});
