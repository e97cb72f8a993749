// src/inference/codec/infer-body.ts: request bodies split into JSON header and buffers; responses frame them back.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { InvalidInputError } from '../../../src/errors.js';
import { encodeInferResponse, encodeInferResult, sliceBinary, splitInferBody } from '../../../src/inference/codec/infer-body.js';
import type { NamedTensor } from '../../../src/inference/data-plane.js';

function rejects(fn: () => unknown, pattern: RegExp): void {
  assert.throws(fn, (err: unknown) => {
    assert.ok(err instanceof InvalidInputError, `expected InvalidInputError, got ${String(err)}`);
    assert.equal(err.statusCode, 400);
    assert.match(err.message, pattern);
    return true;
  });
}

const HEADER = { inputs: [{ name: 'x', datatype: 'FP32', shape: [1], parameters: { binary_data_size: 4 } }] };
const HEADER_TEXT = JSON.stringify(HEADER);

describe('splitInferBody', () => {
  test('without a header length the whole body is the JSON header', () => {
    const { header, binary } = splitInferBody(Buffer.from(HEADER_TEXT), undefined);
    assert.deepEqual(header, HEADER);
    assert.equal(binary.length, 0);
  });

  test('with a header length the bytes after the JSON are the binary part, not copied', () => {
    const body = Buffer.concat([Buffer.from(HEADER_TEXT), Buffer.from([1, 2, 3, 4])]);
    const { header, binary } = splitInferBody(body, String(HEADER_TEXT.length));
    assert.deepEqual(header, HEADER);
    assert.deepEqual([...binary], [1, 2, 3, 4]);
    assert.equal(binary.buffer, body.buffer);
  });

  test('the header length counts bytes, not characters', () => {
    const text = JSON.stringify({ id: 'héllo ✓' });
    const body = Buffer.concat([Buffer.from(text), Buffer.from([9])]);
    const { header, binary } = splitInferBody(body, String(Buffer.byteLength(text)));
    assert.deepEqual(header, { id: 'héllo ✓' });
    assert.deepEqual([...binary], [9]);
  });

  test('a header length equal to the body length leaves an empty binary part', () => {
    const { binary } = splitInferBody(Buffer.from(HEADER_TEXT), String(HEADER_TEXT.length));
    assert.equal(binary.length, 0);
  });

  for (const value of ['abc', '-1', '1.5', '', ' 12', '12 ', '0x10', '1e3', '12345678901']) {
    test(`header length ${JSON.stringify(value)} is rejected as not a byte count`, () => {
      rejects(() => splitInferBody(Buffer.from(HEADER_TEXT), value), /Inference-Header-Content-Length must be a byte count/);
    });
  }

  test('header length 0 (raw binary request) is rejected as unsupported', () => {
    rejects(() => splitInferBody(Buffer.from(HEADER_TEXT), '0'), /0 \(raw binary request\) is not supported/);
  });

  test('a header length larger than the body is rejected with both sizes', () => {
    rejects(() => splitInferBody(Buffer.from('{}'), '3'), /Inference-Header-Content-Length is 3 but the body has only 2 bytes/);
  });

  test('a body that is not JSON is rejected', () => {
    rejects(() => splitInferBody(Buffer.from('{"inputs": ['), undefined), /request body is not valid JSON/);
    rejects(() => splitInferBody(Buffer.from('not json'), undefined), /not valid JSON/);
  });

  test('a header length that cuts the JSON short is rejected as invalid JSON', () => {
    const body = Buffer.concat([Buffer.from(HEADER_TEXT), Buffer.from([1, 2, 3, 4])]);
    rejects(() => splitInferBody(body, String(HEADER_TEXT.length - 1)), /not valid JSON/);
  });

  test('a header length that runs into the binary part is rejected as invalid JSON', () => {
    const body = Buffer.concat([Buffer.from(HEADER_TEXT), Buffer.from([1, 2, 3, 4])]);
    rejects(() => splitInferBody(body, String(HEADER_TEXT.length + 2)), /not valid JSON/);
  });
});

describe('sliceBinary', () => {
  const binary = Buffer.from([1, 2, 3, 4, 5]);

  test('buffers are cut in order and inputs without binary data get undefined', () => {
    const parts = sliceBinary(binary, [3, undefined, 2]);
    assert.deepEqual(parts.map((p) => (p === undefined ? undefined : [...p])), [[1, 2, 3], undefined, [4, 5]]);
    assert.equal(parts[0]!.buffer, binary.buffer);
  });

  test('a zero-size input gets an empty buffer', () => {
    const parts = sliceBinary(binary, [0, 5]);
    assert.equal(parts[0]!.length, 0);
    assert.equal(parts[1]!.length, 5);
  });

  test('no binary inputs and no bytes is fine', () => {
    assert.deepEqual(sliceBinary(Buffer.alloc(0), [undefined, undefined]), [undefined, undefined]);
    assert.deepEqual(sliceBinary(Buffer.alloc(0), []), []);
  });

  test('claims beyond the body are rejected with the total claimed and carried', () => {
    rejects(() => sliceBinary(binary, [3, undefined, 3]), /binary inputs claim 6 bytes but the body carries 5 after the header/);
  });

  test('bytes no input claims are rejected', () => {
    rejects(() => sliceBinary(binary, [2]), /3 unclaimed bytes after the binary inputs/);
    rejects(() => sliceBinary(binary, [undefined]), /5 unclaimed bytes/);
  });
});

describe('encodeInferResponse', () => {
  const HEAD = { model_name: 'm', model_version: '1', id: 'req-1' };
  const out = (name: string, binary: boolean, rest: Omit<NamedTensor, 'name' | 'binary'>): NamedTensor => ({ name, binary, ...rest });

  test('JSON outputs are written flat after the head fields, with no buffers', () => {
    const { json, buffers } = encodeInferResponse(HEAD, [
      out('p', false, { datatype: 'FP32', shape: [2, 2], data: Float32Array.from([0.5, 1, NaN, 2]) }),
      out('k', false, { datatype: 'INT64', shape: [1], data: BigInt64Array.from([2n ** 63n - 1n]) }),
      out('ok', false, { datatype: 'BOOL', shape: [1], data: Uint8Array.from([1]) }),
      out('s', false, { datatype: 'BYTES', shape: [1], data: ['é"'] }),
    ]);
    assert.deepEqual(buffers, []);
    assert.deepEqual(JSON.parse(json), {
      ...HEAD,
      outputs: [
        { name: 'p', datatype: 'FP32', shape: [2, 2], data: [0.5, 1, null, 2] },
        { name: 'k', datatype: 'INT64', shape: [1], data: [9223372036854775807] },
        { name: 'ok', datatype: 'BOOL', shape: [1], data: [true] },
        { name: 's', datatype: 'BYTES', shape: [1], data: ['é"'] },
      ],
    });
    assert.match(json, /"data":\[9223372036854775807\]/);
    assert.deepEqual(Object.keys(JSON.parse(json)), ['model_name', 'model_version', 'id', 'outputs']);
  });

  test('binary outputs carry binary_data_size instead of data and their buffers follow in output order', () => {
    const { json, buffers } = encodeInferResponse(HEAD, [
      out('a', true, { datatype: 'INT32', shape: [2], data: Int32Array.from([1, 2]) }),
      out('j', false, { datatype: 'FP32', shape: [1], data: Float32Array.from([3]) }),
      out('h', true, { datatype: 'FP16', shape: [1], data: Uint16Array.from([0x3c00]) }),
      out('s', true, { datatype: 'BYTES', shape: [1], data: ['hi'] }),
    ]);
    const parsed = JSON.parse(json);
    assert.deepEqual(parsed.outputs, [
      { name: 'a', datatype: 'INT32', shape: [2], parameters: { binary_data_size: 8 } },
      { name: 'j', datatype: 'FP32', shape: [1], data: [3] },
      { name: 'h', datatype: 'FP16', shape: [1], parameters: { binary_data_size: 2 } },
      { name: 's', datatype: 'BYTES', shape: [1], parameters: { binary_data_size: 6 } },
    ]);
    assert.deepEqual(
      buffers.map((b) => [...b]),
      [[1, 0, 0, 0, 2, 0, 0, 0], [0x00, 0x3c], [2, 0, 0, 0, 0x68, 0x69]],
    );
  });

  test('a zero-size binary output declares size 0 and adds no buffer', () => {
    const { json, buffers } = encodeInferResponse(HEAD, [
      out('empty', true, { datatype: 'FP32', shape: [0, 3], data: new Float32Array(0) }),
      out('one', true, { datatype: 'UINT8', shape: [1], data: Uint8Array.from([7]) }),
    ]);
    assert.deepEqual(JSON.parse(json).outputs[0].parameters, { binary_data_size: 0 });
    assert.deepEqual(buffers.map((b) => [...b]), [[7]]);
  });

  test('an empty head still gives valid JSON', () => {
    const { json } = encodeInferResponse({}, [out('y', false, { datatype: 'FP32', shape: [1], data: Float32Array.from([1]) })]);
    assert.deepEqual(JSON.parse(json), { outputs: [{ name: 'y', datatype: 'FP32', shape: [1], data: [1] }] });
  });

  test('ids and names that need escaping, and shapes of any rank, still give the JSON JSON.stringify would', () => {
    const head = { model_name: 'm\\x', model_version: '1', id: 'a"b\nc\u2028é\u0001' };
    const outputs = [
      out('naïve "out"', false, { datatype: 'FP32', shape: [], data: Float32Array.from([1]) }),
      out('y', false, { datatype: 'INT32', shape: [1, 1, 2], data: Int32Array.from([1, 2]) }),
    ];
    const { json } = encodeInferResponse(head, outputs);
    assert.deepEqual(JSON.parse(json), {
      ...head,
      outputs: [
        { name: 'naïve "out"', datatype: 'FP32', shape: [], data: [1] },
        { name: 'y', datatype: 'INT32', shape: [1, 1, 2], data: [1, 2] },
      ],
    });
  });

  test('the cached text before each shape follows both name and datatype (one name, two datatypes, in turns)', () => {
    const asType = (datatype: 'FP32' | 'INT32', data: Float32Array | Int32Array) => JSON.parse(encodeInferResponse(HEAD, [out('score', false, { datatype, shape: [1], data })]).json).outputs[0];
    for (let round = 0; round < 2; round++) {
      assert.deepEqual(asType('FP32', Float32Array.from([0.5])), { name: 'score', datatype: 'FP32', shape: [1], data: [0.5] });
      assert.deepEqual(asType('INT32', Int32Array.from([7])), { name: 'score', datatype: 'INT32', shape: [1], data: [7] });
    }
    assert.deepEqual(Object.keys(JSON.parse(encodeInferResponse({ id: 'x', model_name: 'm' }, []).json)), ['id', 'model_name', 'outputs'], 'keys keep the head\'s order');
  });

  test('no outputs gives an empty outputs array', () => {
    assert.deepEqual(JSON.parse(encodeInferResponse(HEAD, []).json), { ...HEAD, outputs: [] });
  });

  test('a response splits back into the same header and buffers', () => {
    const { json, buffers } = encodeInferResponse(HEAD, [
      out('a', true, { datatype: 'FP64', shape: [1], data: Float64Array.from([Math.PI]) }),
    ]);
    const body = Buffer.concat([Buffer.from(json), ...buffers]);
    const { header, binary } = splitInferBody(body, String(Buffer.byteLength(json)));
    const size = (header as { outputs: { parameters: { binary_data_size: number } }[] }).outputs[0].parameters.binary_data_size;
    const [part] = sliceBinary(binary, [size]);
    assert.equal(part!.readDoubleLE(0), Math.PI);
  });

  test('encodeInferResult writes what the general form writes, for more models, versions and outputs than the caches keep in front', () => {
    const outputs = (k: number) =>
      Array.from({ length: 20 }, (_, j) => out(`o${(k + j) % 23}`, false, { datatype: j % 2 === 0 ? 'FP32' : 'INT32', shape: [1, 2], data: j % 2 === 0 ? Float32Array.from([k, 0.25]) : Int32Array.from([k, j]) }));
    for (let round = 0; round < 3; round++) {
      for (let k = 0; k < 30; k++) {
        const model = k % 3 === 0 ? `m "${k % 11}"` : `model-${k % 11}`;
        const version = 1 + (k % 4);
        const id = k % 5 === 0 ? `id "${k}"\n` : `req-${k}`;
        const general = encodeInferResponse({ model_name: model, model_version: String(version), id }, outputs(k));
        assert.equal(encodeInferResult(model, version, id, outputs(k)).json, general.json);
        assert.deepEqual(JSON.parse(general.json).model_name, model);
      }
    }
  });
});
