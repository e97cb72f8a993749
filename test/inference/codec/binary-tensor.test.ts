// src/inference/codec/binary-tensor.ts: little-endian buffers round-trip every datatype; framing errors are 400s.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { InvalidInputError } from '../../../src/errors.js';
import { decodeBinaryData, encodeBinaryData } from '../../../src/inference/codec/binary-tensor.js';
import { DATATYPES, type Datatype, type TensorData } from '../../../src/inference/tensor.js';

/** Four elements per datatype, covering its extremes. */
const SAMPLES: Record<Datatype, TensorData> = {
  BOOL: Uint8Array.from([1, 0, 0, 1]),
  UINT8: Uint8Array.from([0, 1, 254, 255]),
  UINT16: Uint16Array.from([0, 1, 65534, 65535]),
  UINT32: Uint32Array.from([0, 1, 4294967294, 4294967295]),
  UINT64: BigUint64Array.from([0n, 1n, 2n ** 64n - 2n, 2n ** 64n - 1n]),
  INT8: Int8Array.from([-128, -1, 1, 127]),
  INT16: Int16Array.from([-32768, -1, 1, 32767]),
  INT32: Int32Array.from([-2147483648, -1, 1, 2147483647]),
  INT64: BigInt64Array.from([-(2n ** 63n), -1n, 1n, 2n ** 63n - 1n]),
  FP16: Uint16Array.from([0x3c00, 0xc000, 0x7bff, 0x7e00]), // 1, -2, 65504, NaN
  FP32: Float32Array.from([0.5, -1.25, NaN, -Infinity]),
  FP64: Float64Array.from([Math.PI, -1e308, 5e-324, -0]),
  BYTES: ['', 'héllo', 'a\u0000b', '\u{1F600}'],
};

const values = (data: TensorData): unknown[] => Array.from(data as ArrayLike<unknown>);

function rejects(fn: () => unknown, pattern: RegExp): void {
  assert.throws(fn, (err: unknown) => {
    assert.ok(err instanceof InvalidInputError, `expected InvalidInputError, got ${String(err)}`);
    assert.match(err.message, /input 'x'/);
    assert.match(err.message, pattern);
    return true;
  });
}

/** `bytes` copied to offset `at` of a fresh ArrayBuffer, so the view starts where the test wants it. */
function placedAt(bytes: Buffer, at: number): Buffer {
  const backing = new ArrayBuffer(bytes.length + at + 8);
  const view = Buffer.from(backing, at, bytes.length);
  bytes.copy(view);
  return view;
}

describe('binary tensor round trip', () => {
  for (const dt of DATATYPES) {
    test(`${dt} encodes and decodes back to the same values`, () => {
      const encoded = encodeBinaryData(dt, SAMPLES[dt]);
      const decoded = decodeBinaryData('x', dt, [2, 2], Buffer.from(encoded));
      assert.deepEqual(values(decoded), values(SAMPLES[dt]));
    });
  }

  test('numbers are little-endian with no padding', () => {
    assert.deepEqual([...encodeBinaryData('INT32', Int32Array.from([1, -2]))], [1, 0, 0, 0, 0xfe, 0xff, 0xff, 0xff]);
    assert.deepEqual([...encodeBinaryData('UINT16', Uint16Array.from([0x1234]))], [0x34, 0x12]);
    assert.deepEqual([...encodeBinaryData('FP32', Float32Array.from([1]))], [0, 0, 0x80, 0x3f]);
  });

  test('BOOL is one byte per element', () => {
    assert.deepEqual([...encodeBinaryData('BOOL', Uint8Array.from([1, 0, 1]))], [1, 0, 1]);
  });

  test('BYTES elements are a uint32 little-endian byte length then the UTF-8 bytes', () => {
    const encoded = encodeBinaryData('BYTES', ['é', '', 'ab']);
    assert.deepEqual([...encoded], [2, 0, 0, 0, 0xc3, 0xa9, 0, 0, 0, 0, 2, 0, 0, 0, 0x61, 0x62]);
  });

  test('numeric encoding shares the typed array memory', () => {
    const whole = Float32Array.from([1, 2, 3, 4]);
    const part = whole.subarray(1, 3);
    const encoded = encodeBinaryData('FP32', part);
    assert.equal(encoded.buffer, whole.buffer);
    assert.equal(encoded.byteOffset, 4);
    assert.equal(encoded.length, 8);
  });

  test('empty tensors encode to no bytes and decode from none', () => {
    for (const dt of DATATYPES) {
      const empty = dt === 'BYTES' ? [] : new (SAMPLES[dt].constructor as new (n: number) => TensorData)(0);
      assert.equal(encodeBinaryData(dt, empty).length, 0, dt);
      assert.equal(decodeBinaryData('x', dt, [0, 2], Buffer.alloc(0)).length, 0, dt);
    }
  });
});

describe('decodeBinaryData alignment', () => {
  test('an aligned buffer is viewed in place, sharing its ArrayBuffer', () => {
    const buf = placedAt(encodeBinaryData('FP64', Float64Array.from([1, 2])), 8);
    const decoded = decodeBinaryData('x', 'FP64', [2], buf) as Float64Array;
    assert.equal(decoded.buffer, buf.buffer);
    assert.equal(decoded.byteOffset, 8);
    buf.writeDoubleLE(42, 0);
    assert.equal(decoded[0], 42);
  });

  for (const dt of ['UINT16', 'INT32', 'FP32', 'FP64', 'INT64', 'UINT64', 'FP16'] as const) {
    test(`${dt} at an odd byte offset decodes correctly from a copy`, () => {
      const buf = placedAt(encodeBinaryData(dt, SAMPLES[dt]), 1);
      assert.equal(buf.byteOffset % 2, 1);
      const decoded = decodeBinaryData('x', dt, [4], buf);
      assert.deepEqual(values(decoded), values(SAMPLES[dt]));
      assert.notEqual((decoded as Uint8Array).buffer, buf.buffer);
    });
  }

  test('a 4-byte type at offset 2 (aligned for 2, not 4) decodes correctly', () => {
    const buf = placedAt(encodeBinaryData('FP32', SAMPLES.FP32), 2);
    assert.deepEqual(values(decodeBinaryData('x', 'FP32', [4], buf)), values(SAMPLES.FP32));
  });
});

describe('decodeBinaryData errors', () => {
  test('a byte size that does not fit the shape is rejected with both sizes', () => {
    rejects(() => decodeBinaryData('x', 'FP32', [2], Buffer.alloc(7)), /shape \[2\] of FP32 needs 8 bytes, binary_data_size is 7/);
    rejects(() => decodeBinaryData('x', 'INT64', [1, 2], Buffer.alloc(24)), /needs 16 bytes, binary_data_size is 24/);
    rejects(() => decodeBinaryData('x', 'BOOL', [3], Buffer.alloc(0)), /needs 3 bytes/);
  });

  test('BYTES ending inside an element length is rejected', () => {
    const buf = Buffer.concat([encodeBinaryData('BYTES', ['abc']), Buffer.from([1, 0])]);
    rejects(() => decodeBinaryData('x', 'BYTES', [2], buf), /ends inside the length of element 1/);
  });

  test('BYTES too short for even the lengths of its elements is rejected', () => {
    rejects(() => decodeBinaryData('x', 'BYTES', [2], Buffer.from([0, 0, 0, 0, 0, 0])), /2 BYTES elements need at least 8 bytes/);
  });

  test('BYTES with a shape far larger than the body is a 400, not a RangeError', () => {
    rejects(() => decodeBinaryData('x', 'BYTES', [2 ** 33], Buffer.alloc(4)), /need at least/);
  });

  test('BYTES whose payload is shorter than its length says is rejected', () => {
    const buf = Buffer.from([10, 0, 0, 0, 0x61, 0x62, 0x63]);
    rejects(() => decodeBinaryData('x', 'BYTES', [1], buf), /element 0 claims 10 bytes, only 3 remain/);
  });

  test('BYTES followed by unclaimed bytes is rejected', () => {
    const buf = Buffer.concat([encodeBinaryData('BYTES', ['a', 'b']), Buffer.from([0])]);
    rejects(() => decodeBinaryData('x', 'BYTES', [2], buf), /1 bytes left after 2 BYTES elements/);
  });

  test('BYTES that are not valid UTF-8 are rejected', () => {
    rejects(() => decodeBinaryData('x', 'BYTES', [1], Buffer.from([2, 0, 0, 0, 0xc3, 0x28])), /element 0 is not valid UTF-8/);
    rejects(() => decodeBinaryData('x', 'BYTES', [2], Buffer.from([0, 0, 0, 0, 1, 0, 0, 0, 0xff])), /element 1 is not valid UTF-8/);
  });
});
