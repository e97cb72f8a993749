// src/inference/codec/json-tensor.ts: JSON data decodes flat or nested with exact checks, and encodes as valid JSON.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { InvalidInputError } from '../../../src/errors.js';
import { decodeJsonData, encodeJsonData } from '../../../src/inference/codec/json-tensor.js';
import type { Datatype, TensorData } from '../../../src/inference/tensor.js';

type JsonDatatype = Exclude<Datatype, 'FP16'>;
type ArrayCtor = { new (...args: never[]): unknown };

/** Four elements per datatype, covering its extremes, and the array type they decode to. */
const CASES: Record<JsonDatatype, { values: unknown[]; array: ArrayCtor; decoded: unknown[] }> = {
  BOOL: { values: [true, false, false, true], array: Uint8Array, decoded: [1, 0, 0, 1] },
  UINT8: { values: [0, 1, 254, 255], array: Uint8Array, decoded: [0, 1, 254, 255] },
  UINT16: { values: [0, 1, 65534, 65535], array: Uint16Array, decoded: [0, 1, 65534, 65535] },
  UINT32: { values: [0, 1, 4294967294, 4294967295], array: Uint32Array, decoded: [0, 1, 4294967294, 4294967295] },
  UINT64: { values: [0, 1, 2 ** 32, Number.MAX_SAFE_INTEGER], array: BigUint64Array, decoded: [0n, 1n, 2n ** 32n, 2n ** 53n - 1n] },
  INT8: { values: [-128, -1, 0, 127], array: Int8Array, decoded: [-128, -1, 0, 127] },
  INT16: { values: [-32768, -1, 0, 32767], array: Int16Array, decoded: [-32768, -1, 0, 32767] },
  INT32: { values: [-2147483648, -1, 0, 2147483647], array: Int32Array, decoded: [-2147483648, -1, 0, 2147483647] },
  INT64: { values: [-Number.MAX_SAFE_INTEGER, -1, 0, Number.MAX_SAFE_INTEGER], array: BigInt64Array, decoded: [-(2n ** 53n - 1n), -1n, 0n, 2n ** 53n - 1n] },
  FP32: { values: [0.5, -1.25, 1e30, 0], array: Float32Array, decoded: [0.5, -1.25, Math.fround(1e30), 0] },
  FP64: { values: [Math.PI, -1e300, 5e-324, 0], array: Float64Array, decoded: [Math.PI, -1e300, 5e-324, 0] },
  BYTES: { values: ['', 'héllo', 'a "quoted" b', '\u{1F600}'], array: Array, decoded: ['', 'héllo', 'a "quoted" b', '\u{1F600}'] },
};
const JSON_DATATYPES = Object.keys(CASES) as JsonDatatype[];

/** The rejection must be a 400 whose message names the input (and whatever else `pattern` demands). */
function rejects(fn: () => unknown, pattern: RegExp): void {
  assert.throws(fn, (err: unknown) => {
    assert.ok(err instanceof InvalidInputError, `expected InvalidInputError, got ${String(err)}`);
    assert.equal(err.statusCode, 400);
    assert.match(err.message, /input 'x'/);
    assert.match(err.message, pattern);
    return true;
  });
}

describe('decodeJsonData', () => {
  for (const dt of JSON_DATATYPES) {
    const { values, array, decoded } = CASES[dt];

    test(`${dt} decodes from flat data into its array type`, () => {
      const out = decodeJsonData('x', dt, [2, 2], values);
      assert.ok(out instanceof array, `${dt} decoded to ${out.constructor.name}`);
      assert.deepEqual(Array.from(out as ArrayLike<unknown>), decoded);
    });

    test(`${dt} decodes from nested data in row-major order`, () => {
      const nested = [[values[0], values[1]], [values[2], values[3]]];
      const out = decodeJsonData('x', dt, [2, 2], nested);
      assert.deepEqual(Array.from(out as ArrayLike<unknown>), decoded);
    });

    test(`${dt} encodes back to JSON that parses to the same values`, () => {
      const text = encodeJsonData(dt, decodeJsonData('x', dt, [4], values));
      assert.deepEqual(JSON.parse(text), dt === 'FP32' ? decoded : values);
    });
  }

  test('three levels of nesting flatten row-major', () => {
    const out = decodeJsonData('x', 'INT32', [2, 2, 2], [[[1, 2], [3, 4]], [[5, 6], [7, 8]]]);
    assert.deepEqual(Array.from(out as Int32Array), [1, 2, 3, 4, 5, 6, 7, 8]);
  });

  test('nesting need not follow the shape, only the element count (as Triton)', () => {
    const out = decodeJsonData('x', 'INT32', [4], [[1, 2], [3, 4]]);
    assert.deepEqual(Array.from(out as Int32Array), [1, 2, 3, 4]);
  });

  test('an empty tensor decodes from [] and from [[], []]', () => {
    assert.equal(decodeJsonData('x', 'FP32', [0, 3], []).length, 0);
    assert.equal(decodeJsonData('x', 'FP32', [2, 0], [[], []]).length, 0);
  });

  test('a scalar (shape []) takes exactly one element', () => {
    assert.deepEqual(Array.from(decodeJsonData('x', 'FP32', [], [3]) as Float32Array), [3]);
    rejects(() => decodeJsonData('x', 'FP32', [], [3, 4]), /needs 1 elements, data has 2/);
  });

  const RAGGED: [string, unknown[]][] = [
    ['rows of different lengths', [[1, 2], [3]]],
    ['an array after a value', [1, [2]]],
    ['a value after an array', [[1, 2], 3]],
    ['values at different depths with equal lengths', [[1], [[2]]]],
    ['deeper values first', [[[1]], [2]]],
    ['ragged third level', [[[1, 2], [3, 4]], [[5, 6], [7]]]],
  ];
  for (const [what, data] of RAGGED) {
    test(`ragged nesting (${what}) is rejected naming the input`, () => {
      rejects(() => decodeJsonData('x', 'FP32', [2, 2], data), /ragged/);
    });
  }

  test('nesting deeper than 32 levels is rejected', () => {
    let data: unknown[] = [1];
    for (let i = 0; i < 40; i++) data = [data];
    rejects(() => decodeJsonData('x', 'FP32', [1], data), /nested deeper than 32/);
  });

  test('an element count that differs from the shape is rejected with both numbers', () => {
    rejects(() => decodeJsonData('x', 'FP32', [2, 2], [1, 2, 3]), /shape \[2, 2\] needs 4 elements, data has 3/);
    rejects(() => decodeJsonData('x', 'FP32', [2, 2], [[1, 2, 3], [4, 5, 6]]), /needs 4 elements, data has 6/);
  });

  test('data that is not an array is rejected', () => {
    rejects(() => decodeJsonData('x', 'FP32', [1], 1), /'data' must be an array/);
    rejects(() => decodeJsonData('x', 'BYTES', [1], 'a'), /'data' must be an array/);
  });

  const WRONG_ELEMENT: [string, Datatype, unknown, RegExp][] = [
    ['a string for FP32', 'FP32', 'abc', /element 2 is a string, expected a number/],
    ['null for FP64 (how JSON writes NaN)', 'FP64', null, /element 2 is null, expected a number/],
    ['true for FP32', 'FP32', true, /element 2 is a boolean, expected a number/],
    ['a numeric string for INT32', 'INT32', '7', /element 2 is a string, expected an integer \(INT32\)/],
    ['a fraction for INT32', 'INT32', 1.5, /element 2 is a fraction, expected an integer \(INT32\)/],
    ['a fraction for UINT8', 'UINT8', 0.5, /element 2 is a fraction, expected an integer \(UINT8\)/],
    ['a fraction for INT64', 'INT64', 2.5, /element 2 is a fraction, expected an integer \(INT64\)/],
    ['a string for UINT64', 'UINT64', '1', /element 2 is a string, expected an integer \(UINT64\)/],
    ['1 for BOOL', 'BOOL', 1, /element 2 is an integer, expected true or false/],
    ['0 for BOOL', 'BOOL', 0, /element 2 is an integer, expected true or false/],
    ['"true" for BOOL', 'BOOL', 'true', /element 2 is a string, expected true or false/],
    ['a number for BYTES', 'BYTES', 42, /element 2 is an integer, expected a string/],
    ['null for BYTES', 'BYTES', null, /element 2 is null, expected a string/],
    ['an object for INT8', 'INT8', { v: 1 }, /element 2 is an object, expected an integer/],
  ];
  for (const [what, dt, bad, pattern] of WRONG_ELEMENT) {
    test(`${what} is rejected naming the input and the index`, () => {
      const good = CASES[dt as JsonDatatype].values;
      rejects(() => decodeJsonData('x', dt, [4], [good[0], good[1], bad, good[3]]), pattern);
    });
  }

  test('error messages name the kind of a bad element, never its value (messages reach the logs)', () => {
    assert.throws(
      () => decodeJsonData('x', 'FP32', [1], ['secret-value-123']),
      (err: Error) => !err.message.includes('secret') && /a string/.test(err.message),
    );
  });

  const RANGES: [Datatype, number, number][] = [
    ['UINT8', 0, 255],
    ['UINT16', 0, 65535],
    ['UINT32', 0, 4294967295],
    ['INT8', -128, 127],
    ['INT16', -32768, 32767],
    ['INT32', -2147483648, 2147483647],
  ];
  for (const [dt, min, max] of RANGES) {
    test(`${dt} accepts ${min} and ${max} and rejects ${min - 1} and ${max + 1}`, () => {
      assert.deepEqual(Array.from(decodeJsonData('x', dt, [2], [min, max]) as ArrayLike<number>), [min, max]);
      rejects(() => decodeJsonData('x', dt, [2], [0, min - 1]), new RegExp(`element 1 is out of range, expected a value in \\[${min}, ${max}\\] \\(${dt}\\)`));
      rejects(() => decodeJsonData('x', dt, [2], [max + 1, 0]), new RegExp(`element 0 is out of range, expected a value in \\[${min}, ${max}\\] \\(${dt}\\)`));
    });
  }

  const UNSAFE: [Datatype, number][] = [
    ['INT64', 2 ** 53],
    ['INT64', -(2 ** 53)],
    ['INT64', 2 ** 63],
    ['UINT64', 2 ** 53],
    ['UINT64', 2 ** 64],
    ['UINT64', -1],
  ];
  for (const [dt, value] of UNSAFE) {
    test(`${dt} rejects ${value} (not exact after JSON.parse) and points to binary data`, () => {
      rejects(() => decodeJsonData('x', dt, [1], [value]), new RegExp(`element 0 is .*use binary data for the full ${dt} range`));
    });
  }

  test('FP16 cannot come as JSON, flat or nested', () => {
    rejects(() => decodeJsonData('x', 'FP16', [2], [1, 2]), /FP16 cannot be sent as JSON; send it with the binary tensor extension/);
    rejects(() => decodeJsonData('x', 'FP16', [1, 2], [[1, 2]]), /FP16 cannot be sent as JSON/);
  });
});

describe('encodeJsonData', () => {
  test('FP32 NaN and ±Infinity become null so the text stays valid JSON', () => {
    const text = encodeJsonData('FP32', Float32Array.from([1.5, NaN, Infinity, -Infinity, -2]));
    assert.deepEqual(JSON.parse(text), [1.5, null, null, null, -2]);
  });

  test('FP64 NaN becomes null and finite values keep every digit', () => {
    const values = [Math.PI, -1e300, 5e-324, 1e21, NaN];
    assert.deepEqual(JSON.parse(encodeJsonData('FP64', Float64Array.from(values))), [Math.PI, -1e300, 5e-324, 1e21, null]);
  });

  test('float32 values read back as the same float32', () => {
    const data = Float32Array.from([0.1, 1 / 3, 3.4028234663852886e38, 1.17549435e-38]);
    const back = JSON.parse(encodeJsonData('FP32', data)) as number[];
    assert.deepEqual(Float32Array.from(back), data);
  });

  test('INT64 extremes are written as their exact digits', () => {
    const text = encodeJsonData('INT64', BigInt64Array.from([2n ** 63n - 1n, -(2n ** 63n), 0n]));
    assert.equal(text, '[9223372036854775807,-9223372036854775808,0]');
  });

  test('UINT64 2^64-1 is written as its exact digits', () => {
    assert.equal(encodeJsonData('UINT64', BigUint64Array.from([2n ** 64n - 1n, 1n])), '[18446744073709551615,1]');
  });

  test('integer types are written as plain numbers', () => {
    assert.equal(encodeJsonData('INT8', Int8Array.from([-128, 0, 127])), '[-128,0,127]');
    assert.equal(encodeJsonData('UINT32', Uint32Array.from([4294967295])), '[4294967295]');
  });

  test('BOOL is written as true/false, any nonzero byte being true', () => {
    assert.equal(encodeJsonData('BOOL', Uint8Array.from([1, 0, 2])), '[true,false,true]');
  });

  test('BYTES are written as JSON strings, escaped', () => {
    const data = ['plain', 'quote " and \\ backslash', 'line\nbreak', 'ünï', ''];
    assert.deepEqual(JSON.parse(encodeJsonData('BYTES', data)), data);
  });

  test('empty tensors are written as []', () => {
    const empties: [Datatype, TensorData][] = [
      ['FP32', new Float32Array(0)],
      ['INT64', new BigInt64Array(0)],
      ['BOOL', new Uint8Array(0)],
      ['BYTES', []],
    ];
    for (const [dt, data] of empties) assert.equal(encodeJsonData(dt, data), '[]', dt);
  });

  test('FP16 has no JSON form', () => {
    assert.throws(() => encodeJsonData('FP16', Uint16Array.from([0x3c00])), /FP16/);
  });
});
