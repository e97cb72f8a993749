// Large binary tensors: inputs at any header length (aligned or not) and outputs streamed from the runtime's buffers.
import assert from 'node:assert/strict';
import type { AddressInfo } from 'node:net';
import { test } from 'node:test';
import { binaryBody, buildTestApp, parseBinaryResponse } from '../../helper.js';

const N = 50_000; // NOTE: 200 kB of FP32, above the size from which binary responses are streamed

function request(idPadding: string) {
  const x = Float32Array.from({ length: N }, (_, i) => (i % 1000) / 7);
  const header = { id: `big${idPadding}`, inputs: [{ name: 'x', datatype: 'FP32', shape: [1, N], parameters: { binary_data_size: x.byteLength } }], outputs: [{ name: 'same', parameters: { binary_data: true } }, { name: 'row_sum' }] };
  return { x, ...binaryBody(header, [Buffer.from(x.buffer)]) };
}

test('large binary inputs decode exactly whatever the header length, and large outputs come back byte for byte', async (t) => {
  const { app } = await buildTestApp(t);
  for (const padding of ['', 'a', 'ab', 'abc']) {
    const { x, payload, headers } = request(padding);
    const res = await app.inject({ method: 'POST', url: '/v2/models/dynamic/infer', payload, headers });
    assert.equal(res.statusCode, 200, res.body.slice(0, 200));
    const { header, buffers } = parseBinaryResponse(res);
    assert.equal(header.id, `big${padding}`);
    assert.deepEqual(new Float32Array(buffers.same.buffer.slice(buffers.same.byteOffset, buffers.same.byteOffset + buffers.same.length)), x);
    assert.equal(res.rawPayload.length, Number(res.headers['inference-header-content-length']) + x.byteLength);
  }
});

test('a streamed binary response carries Content-Length (not chunked) over a real socket', async (t) => {
  const { app } = await buildTestApp(t);
  await app.listen({ host: '127.0.0.1', port: 0 });
  const { port } = app.server.address() as AddressInfo;
  const { x, payload, headers } = request('');
  const res = await fetch(`http://127.0.0.1:${port}/v2/models/dynamic/infer`, { method: 'POST', body: payload, headers });
  assert.equal(res.status, 200);
  assert.equal(res.headers.get('transfer-encoding'), null);
  const body = Buffer.from(await res.arrayBuffer());
  assert.equal(Number(res.headers.get('content-length')), body.length);
  const parsed = parseBinaryResponse({ headers: Object.fromEntries(res.headers), rawPayload: body });
  assert.equal(parsed.buffers.same.length, x.byteLength);
  app.server.closeAllConnections();
});
