// A real HTTP client (fetch over a socket) against a listening server, the way tritonclient talks to it.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { createConfig } from '../../src/config/load.js';
import { createLogger } from '../../src/logging.js';
import { startServer, type RunningServer } from '../../src/server.js';
import { DEFAULT_MODELS } from '../helper.js';

let server: RunningServer;

before(async () => {
  const config = createConfig({ host: '127.0.0.1', port: 0, models: DEFAULT_MODELS, logLevel: 'silent' });
  server = await startServer(config, { logger: createLogger(config) });
});
after(() => server.close());

const ROWS = [
  [5.1, 3.5, 1.4, 0.2],
  [6.7, 3.0, 5.2, 2.3],
];

/** Packs BYTES elements the way tritonclient does: struct "<I" length, then the bytes. */
function unpackBytes(buf: Buffer): string[] {
  const out: string[] = [];
  for (let off = 0; off < buf.length; ) {
    const len = buf.readUInt32LE(off);
    out.push(buf.subarray(off + 4, off + 4 + len).toString('utf8'));
    off += 4 + len;
  }
  return out;
}

test('binary request, binary response and classification over a real socket, as tritonclient sends them', async () => {
  const features = Buffer.from(Float32Array.from(ROWS.flat()).buffer);
  const header = Buffer.from(
    JSON.stringify({
      id: 'e2e-1',
      inputs: [{ name: 'features', shape: [2, 4], datatype: 'FP32', parameters: { binary_data_size: features.length } }],
      outputs: [
        { name: 'probabilities', parameters: { binary_data: true, classification: 2 } },
        { name: 'label', parameters: { binary_data: true } },
      ],
    }),
  );
  const res = await fetch(`${server.url}/v2/models/iris/infer`, {
    method: 'POST',
    // NOTE: tritonclient sends no Content-Type for JSON and octet-stream for binary; both must work.
    headers: { 'Inference-Header-Content-Length': String(header.length), 'Content-Type': 'application/octet-stream' },
    body: Buffer.concat([header, features]),
  });
  assert.equal(res.status, 200);
  assert.equal(res.headers.get('content-type'), 'application/octet-stream');
  const body = Buffer.from(await res.arrayBuffer());
  const jsonLength = Number(res.headers.get('inference-header-content-length'));
  const json = JSON.parse(body.subarray(0, jsonLength).toString('utf8'));
  assert.equal(json.id, 'e2e-1');
  assert.equal(json.model_version, '2');

  let offset = jsonLength;
  const parts: Record<string, Buffer> = {};
  for (const o of json.outputs) {
    parts[o.name] = body.subarray(offset, offset + o.parameters.binary_data_size);
    offset += o.parameters.binary_data_size;
  }
  assert.equal(offset, body.length, 'the buffers fill the body exactly');

  const classes = unpackBytes(parts.probabilities);
  assert.deepEqual(json.outputs[0].shape, [2, 2]);
  assert.equal(classes.length, 4);
  assert.match(classes[0], /^0\.9\d*:0:setosa$/);
  assert.match(classes[2], /^0\.9\d*:2:virginica$/);
  const labels = new BigInt64Array(parts.label.buffer.slice(parts.label.byteOffset, parts.label.byteOffset + parts.label.length));
  assert.deepEqual(Array.from(labels), [0n, 2n]);
});

test('health, metadata and a JSON inference answer over the socket with keep-alive', async () => {
  for (const path of ['/v2/health/live', '/v2/health/ready', '/v2/models/iris/ready']) {
    const res = await fetch(server.url + path);
    assert.equal(res.status, 200, path);
  }
  const meta = (await (await fetch(`${server.url}/v2/models/iris`)).json()) as { versions: string[] };
  assert.deepEqual(meta.versions, ['1', '2']);
  const res = await fetch(`${server.url}/v1/models/iris:predict`, { method: 'POST', body: JSON.stringify({ instances: ROWS }) });
  const answer = (await res.json()) as { predictions: { label: number }[] };
  assert.deepEqual(answer.predictions.map((p) => p.label), [0, 2]);
});
