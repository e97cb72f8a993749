// Every datatype through POST /v2/models/all-types/infer: JSON in and out, binary in and out, and mixed.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { binaryBody, buildTestApp, call, parseBinaryResponse } from '../../helper.js';
import { ALL_DATATYPES } from '../../helpers/fixture-models.js';
import { DATATYPE_INFO, type Datatype } from '../../../src/inference/tensor.js';
import { encodeBinaryData, decodeBinaryData } from '../../../src/inference/codec/binary-tensor.js';

/** Four values per datatype, at the edges of what JSON can carry. */
const JSON_VALUES: Record<Exclude<Datatype, 'FP16'>, unknown[]> = {
  BOOL: [true, false, true, true],
  UINT8: [0, 255, 7, 128],
  UINT16: [0, 65535, 1, 300],
  UINT32: [0, 4294967295, 1, 70000],
  UINT64: [0, Number.MAX_SAFE_INTEGER, 1, 2],
  INT8: [-128, 127, 0, -1],
  INT16: [-32768, 32767, 0, -1],
  INT32: [-2147483648, 2147483647, 0, -1],
  INT64: [-Number.MAX_SAFE_INTEGER, Number.MAX_SAFE_INTEGER, 0, -1],
  FP32: [1.5, -0.25, 3.4028234663852886e38, Math.fround(1e-45)],
  FP64: [Math.PI, -1e308, 5e-324, 0],
  BYTES: ['a', 'héllo', '', '🙂 emoji'],
};

/** Typed binary values, including what JSON can't carry (full 64-bit range, FP16 bits). */
const BINARY_VALUES: Record<Datatype, ArrayLike<unknown>> = {
  BOOL: new Uint8Array([1, 0, 1, 1]),
  UINT8: new Uint8Array([0, 255, 7, 128]),
  UINT16: new Uint16Array([0, 65535, 1, 300]),
  UINT32: new Uint32Array([0, 4294967295, 1, 70000]),
  UINT64: new BigUint64Array([0n, 2n ** 64n - 1n, 1n, 2n ** 53n + 1n]),
  INT8: new Int8Array([-128, 127, 0, -1]),
  INT16: new Int16Array([-32768, 32767, 0, -1]),
  INT32: new Int32Array([-2147483648, 2147483647, 0, -1]),
  INT64: new BigInt64Array([-(2n ** 63n), 2n ** 63n - 1n, 0n, -1n]),
  FP16: new Uint16Array([0x3c00, 0x0000, 0xc000, 0x7bff]),
  FP32: new Float32Array([1.5, -0.25, 3.4028234663852886e38, 1e-45]),
  FP64: new Float64Array([Math.PI, -1e308, 5e-324, 0]),
  BYTES: ['a', 'héllo', '', '🙂 emoji'],
};

const asBuffer = (dt: Datatype): Buffer => encodeBinaryData(dt, BINARY_VALUES[dt] as never);

test('every datatype but FP16 round-trips through JSON, with FP16 through binary in the same request', async (t) => {
  const { app } = await buildTestApp(t);
  const header = {
    inputs: ALL_DATATYPES.map((dt) =>
      dt === 'FP16'
        ? { name: `in_${dt}`, datatype: dt, shape: [2, 2], parameters: { binary_data_size: asBuffer(dt).length } }
        : { name: `in_${dt}`, datatype: dt, shape: [2, 2], data: JSON_VALUES[dt] },
    ),
    outputs: ALL_DATATYPES.map((dt) => ({ name: `out_${dt}`, parameters: { binary_data: dt === 'FP16' } })),
  };
  const { payload, headers } = binaryBody(header, [asBuffer('FP16')]);
  const res = await app.inject({ method: 'POST', url: '/v2/models/all-types/infer', payload, headers });
  assert.equal(res.statusCode, 200, res.body);
  const { header: out, buffers } = parseBinaryResponse(res);
  for (const dt of ALL_DATATYPES) {
    const o = out.outputs.find((x: { name: string }) => x.name === `out_${dt}`);
    assert.equal(o.datatype, dt);
    assert.deepEqual(o.shape, [2, 2]);
    if (dt === 'FP16') assert.deepEqual(Array.from(decodeBinaryData('o', dt, [2, 2], buffers[o.name]) as Uint16Array), Array.from(BINARY_VALUES.FP16 as Uint16Array));
    else assert.deepEqual(o.data, JSON_VALUES[dt], `${dt} JSON round trip`);
  }
});

test('every datatype, FP16 included, round-trips through binary request and binary response', async (t) => {
  const { app } = await buildTestApp(t);
  const buffers = ALL_DATATYPES.map(asBuffer);
  const header = {
    parameters: { binary_data_output: true },
    inputs: ALL_DATATYPES.map((dt, i) => ({ name: `in_${dt}`, datatype: dt, shape: [2, 2], parameters: { binary_data_size: buffers[i].length } })),
  };
  const { payload, headers } = binaryBody(header, buffers);
  const res = await app.inject({ method: 'POST', url: '/v2/models/all-types/infer', payload, headers });
  assert.equal(res.statusCode, 200, res.body);
  assert.equal(res.headers['content-type'], 'application/octet-stream');
  const { header: out, buffers: got } = parseBinaryResponse(res);
  assert.equal(out.outputs.length, ALL_DATATYPES.length);
  for (const dt of ALL_DATATYPES) {
    assert.equal(out.outputs.find((o: { name: string }) => o.name === `out_${dt}`).data, undefined, 'binary outputs carry no data key');
    const decoded = decodeBinaryData('o', dt, [2, 2], got[`out_${dt}`]);
    assert.deepEqual(Array.from(decoded as ArrayLike<unknown>), Array.from(BINARY_VALUES[dt]), `${dt} binary round trip`);
  }
});

test('binary input buffers at odd offsets decode correctly (copied when misaligned)', async (t) => {
  const { app } = await buildTestApp(t);
  const order: Datatype[] = ['UINT8', 'FP64', 'INT16', 'FP32'];
  const header = { inputs: ALL_DATATYPES.map((dt) => (order.includes(dt) ? null : { name: `in_${dt}`, datatype: dt, shape: [2, 2], data: dt === 'FP16' ? undefined : JSON_VALUES[dt as Exclude<Datatype, 'FP16'>] })).filter(Boolean) };
  // FP16 has no JSON form, so it goes binary too, after the others.
  const binaryTypes: Datatype[] = [...order, 'FP16'];
  const inputs = (header.inputs as Record<string, unknown>[]).filter((i) => i.name !== 'in_FP16');
  for (const dt of binaryTypes) inputs.push({ name: `in_${dt}`, datatype: dt, shape: [2, 2], parameters: { binary_data_size: asBuffer(dt).length } });
  const { payload, headers } = binaryBody({ inputs, parameters: { binary_data_output: true } }, binaryTypes.map(asBuffer));
  const res = await app.inject({ method: 'POST', url: '/v2/models/all-types/infer', payload, headers });
  assert.equal(res.statusCode, 200, res.body);
  const { buffers } = parseBinaryResponse(res);
  for (const dt of order) assert.deepEqual(buffers[`out_${dt}`], asBuffer(dt), dt);
});

test('FP16 can not be sent or returned as JSON', async (t) => {
  const { app } = await buildTestApp(t);
  const inputs = ALL_DATATYPES.map((dt) => ({ name: `in_${dt}`, datatype: dt, shape: [2, 2], data: dt === 'FP16' ? [1, 2, 3, 4] : JSON_VALUES[dt] }));
  const sent = await call(app, { method: 'POST', url: '/v2/models/all-types/infer', payload: { inputs } });
  assert.equal(sent.res.statusCode, 400);
  assert.match(sent.body.error, /in_FP16.*FP16.*binary/);

  const fp16 = asBuffer('FP16');
  const header = { inputs: inputs.map((i) => (i.datatype === 'FP16' ? { ...i, data: undefined, parameters: { binary_data_size: fp16.length } } : i)) };
  const { payload, headers } = binaryBody(header, [fp16]);
  const res = await call(app, { method: 'POST', url: '/v2/models/all-types/infer', payload, headers });
  assert.equal(res.res.statusCode, 400);
  assert.match(res.body.error, /out_FP16.*binary_data/);

  // The output plan of requests that name no outputs is kept per version and encoding: asking for binary
  // outputs afterwards works, and JSON is refused again after that.
  const binaryOut = binaryBody({ ...header, parameters: { binary_data_output: true } }, [fp16]);
  for (const [body, status] of [[binaryOut, 200], [{ payload, headers }, 400], [binaryOut, 200]] as const) {
    const again = await app.inject({ method: 'POST', url: '/v2/models/all-types/infer', payload: body.payload, headers: body.headers });
    assert.equal(again.statusCode, status, again.body);
  }
});

test('integer inputs outside their datatype range are rejected before inference', async (t) => {
  const { app } = await buildTestApp(t);
  for (const dt of ['UINT8', 'INT8', 'UINT16', 'INT16', 'UINT32', 'INT32'] as const) {
    const [, max] = DATATYPE_INFO[dt].range as [number, number];
    const inputs = ALL_DATATYPES.filter((d) => d !== 'FP16').map((d) => ({ name: `in_${d}`, datatype: d, shape: [2, 2], data: d === dt ? [0, 0, 0, max + 1] : JSON_VALUES[d] }));
    const { res, body } = await call(app, { method: 'POST', url: '/v2/models/all-types/infer', payload: { inputs } });
    assert.equal(res.statusCode, 400, dt);
    assert.match(body.error, new RegExp(`in_${dt}.*element 3`), dt);
  }
});
