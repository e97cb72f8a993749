// Every bad inference request gets a clear {"error": ...} with the right 4xx status and never reaches onnxruntime.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { binaryBody, buildTestApp, call, wrapBackend } from '../../helper.js';

const x = (extra: Record<string, unknown> = {}) => ({ name: 'x', shape: [1, 4], datatype: 'FP32', data: [1, 2, 3, 4], ...extra });

interface Case {
  name: string;
  url?: string;
  payload?: unknown;
  raw?: { payload: Buffer | string; headers: Record<string, string> };
  method?: 'POST' | 'GET' | 'PUT';
  status: number;
  error: RegExp;
}

const CASES: Case[] = [
  { name: 'unknown input', payload: { inputs: [x(), x({ name: 'nope' })] }, status: 400, error: /unknown input 'nope'.*'x'/ },
  { name: 'missing input', url: '/v2/models/multi-io/infer', payload: { inputs: [{ name: 'a', shape: [1, 3], datatype: 'FP32', data: [1, 2, 3] }] }, status: 400, error: /missing inputs 'b', 'k'/ },
  { name: 'duplicate input', payload: { inputs: [x(), x()] }, status: 400, error: /'x' given more than once/ },
  { name: 'wrong datatype', payload: { inputs: [x({ datatype: 'FP64' })] }, status: 400, error: /'x': datatype FP64 does not match the model's FP32/ },
  { name: 'unknown datatype', payload: { inputs: [x({ datatype: 'FLOAT' })] }, status: 400, error: /datatype/ },
  { name: 'wrong rank', payload: { inputs: [x({ shape: [4] })] }, status: 400, error: /'x': shape \[4\] does not match the model's \[-1, 4\]/ },
  { name: 'wrong fixed dim', payload: { inputs: [x({ shape: [2, 2] })] }, status: 400, error: /shape \[2, 2\] does not match/ },
  { name: 'fixed-shape model, wrong dims', url: '/v2/models/fixed/infer', payload: { inputs: [x({ shape: [3, 2], data: [1, 2, 3, 4, 5, 6] })] }, status: 400, error: /\[3, 2\] does not match the model's \[2, 3\]/ },
  { name: 'negative dim', payload: { inputs: [x({ shape: [-1, 4] })] }, status: 400, error: /shape/ },
  { name: 'count not matching shape', payload: { inputs: [x({ shape: [2, 4] })] }, status: 400, error: /'x': shape \[2, 4\] needs 8 elements, data has 4/ },
  { name: 'non-numeric value', payload: { inputs: [x({ data: [1, 'two', 3, 4] })] }, status: 400, error: /'x': element 1 is a string, expected a number/ },
  { name: 'null value', payload: { inputs: [x({ data: [1, null, 3, 4] })] }, status: 400, error: /element 1 is null/ },
  { name: 'ragged nested data', url: '/v2/models/dynamic/infer', payload: { inputs: [x({ shape: [2, 2], data: [[1, 2], [3]] })] }, status: 400, error: /'x': ragged data/ },
  { name: 'data not an array', payload: { inputs: [x({ data: 'abc' })] }, status: 400, error: /data must be an array/ },
  { name: 'neither data nor binary', payload: { inputs: [x({ data: undefined })] }, status: 400, error: /exactly one of 'data' and parameters.binary_data_size/ },
  { name: 'no inputs', payload: { inputs: [] }, status: 400, error: /inputs/ },
  { name: 'body not an object', payload: [1, 2], status: 400, error: /body/ },
  { name: 'unknown output', payload: { inputs: [x()], outputs: [{ name: 'nope' }] }, status: 400, error: /unknown output 'nope'.*'scores'/ },
  { name: 'duplicate output', payload: { inputs: [x()], outputs: [{ name: 'scores' }, { name: 'scores' }] }, status: 400, error: /requested more than once/ },
  { name: 'classification count 0', payload: { inputs: [x()], outputs: [{ name: 'scores', parameters: { classification: 0 } }] }, status: 400, error: /classification/ },
  { name: 'classification of strings', url: '/v2/models/strings/infer', payload: { inputs: [{ name: 'text', shape: [1], datatype: 'BYTES', data: ['a'] }], outputs: [{ name: 'echo', parameters: { classification: 1 } }] }, status: 400, error: /classification needs a numeric output/ },
  { name: 'invalid JSON', raw: { payload: '{"inputs": [', headers: {} }, status: 400, error: /not valid JSON/ },
  { name: 'empty body', raw: { payload: '', headers: {} }, status: 400, error: /body/ },
  { name: 'prototype poisoning', raw: { payload: '{"__proto__": {"x": 1}, "inputs": []}', headers: {} }, status: 400, error: /"__proto__" key/ },
  { name: 'prototype poisoning, escaped', raw: { payload: `{"\\u005f_proto__": {"x": 1}, "inputs": [${JSON.stringify(x())}]}`, headers: {} }, status: 400, error: /"__proto__" key/ },
  { name: '"__proto__" as a value', raw: { payload: `{"id": "__proto__", "inputs": [${JSON.stringify(x({ data: 'abc' }))}]}`, headers: {} }, status: 400, error: /data must be an array/ },
  { name: 'header length not a number', raw: { payload: '{}', headers: { 'inference-header-content-length': 'abc' } }, status: 400, error: /Inference-Header-Content-Length must be a byte count/ },
  { name: 'header length past the body', raw: { payload: '{}', headers: { 'inference-header-content-length': '99' } }, status: 400, error: /is 99 but the body has only 2 bytes/ },
  { name: 'raw binary request', raw: { payload: 'abcd', headers: { 'inference-header-content-length': '0' } }, status: 400, error: /raw binary request/ },
  { name: 'binary size too small for shape', raw: binaryBody({ inputs: [{ name: 'x', shape: [1, 4], datatype: 'FP32', parameters: { binary_data_size: 8 } }] }, [Buffer.alloc(8)]), status: 400, error: /needs 16 bytes, binary_data_size is 8/ },
  { name: 'binary sizes claim more than sent', raw: binaryBody({ inputs: [{ name: 'x', shape: [1, 4], datatype: 'FP32', parameters: { binary_data_size: 16 } }] }, [Buffer.alloc(8)]), status: 400, error: /claim 16 bytes but the body carries 8/ },
  { name: 'unclaimed binary bytes', raw: binaryBody({ inputs: [x()] }, [Buffer.alloc(8)]), status: 400, error: /8 unclaimed bytes/ },
  { name: 'both data and binary', raw: binaryBody({ inputs: [x({ parameters: { binary_data_size: 16 } })] }, [Buffer.alloc(16)]), status: 400, error: /exactly one of/ },
  { name: 'unknown model', url: '/v2/models/nope/infer', payload: { inputs: [x()] }, status: 404, error: /Model 'nope' not found/ },
  { name: 'unknown version', url: '/v2/models/classifier/versions/9/infer', payload: { inputs: [x()] }, status: 404, error: /Version '9' of model 'classifier' not found/ },
  { name: 'version not a number', url: '/v2/models/classifier/versions/latest/infer', payload: { inputs: [x()] }, status: 400, error: /versions are positive integers/ },
  { name: 'model name with path tricks', url: '/v2/models/..%2F..%2Fetc/infer', payload: { inputs: [x()] }, status: 400, error: /model names use/ },
  { name: 'model that failed to load', url: '/v2/models/broken/infer', payload: { inputs: [x()] }, status: 400, error: /Model 'broken' is not ready/ },
  { name: 'model with invalid model.yaml', url: '/v2/models/bad-config/infer', payload: { inputs: [x()] }, status: 400, error: /model.yaml is invalid.*versionPolcy/ },
  { name: 'wrong method', method: 'GET', status: 405, error: /method GET not allowed on \/v2\/models\/classifier\/infer; use POST/ },
  { name: 'unknown route', url: '/v3/anything', status: 404, error: /no route for POST \/v3\/anything/ },
];

test('bad requests get the documented status and a message naming the problem', async (t) => {
  let runs = 0;
  const countingBackend = wrapBackend((run) => (runs++, run()));
  const { app } = await buildTestApp(t, { deps: { createBackend: countingBackend } });
  const warmupRuns = runs;
  for (const c of CASES) {
    const url = c.url ?? '/v2/models/classifier/infer';
    const opts = c.raw ? { method: c.method ?? 'POST', url, ...c.raw } : { method: c.method ?? 'POST', url, payload: c.payload as object };
    const { res, body } = await call(app, opts as never);
    assert.equal(res.statusCode, c.status, `${c.name}: ${res.body}`);
    assert.match(res.headers['content-type'] as string, /^application\/json/, c.name);
    assert.equal(typeof body?.error, 'string', `${c.name}: {"error": string}`);
    assert.match(body.error, c.error, c.name);
  }
  assert.equal(runs, warmupRuns, 'no bad request reached onnxruntime');
  const ok = await call(app, { method: 'POST', url: '/v2/models/classifier/infer', payload: { inputs: [x()] } });
  assert.equal(ok.res.statusCode, 200, 'the server still serves after every bad request');
});

test('a runtime failure is a 500 that names the request id but hides the runtime message', async (t) => {
  let explode = false;
  const failing = wrapBackend(async (run) => {
    if (explode) throw new Error('kernel exploded at /secret/path');
    return run();
  });
  const { app, logs } = await buildTestApp(t, { deps: { createBackend: failing } });
  explode = true; // NOTE: after warm-up, so every version loads
  const { res, body } = await call(app, { method: 'POST', url: '/v2/models/classifier/infer', payload: { inputs: [x()] }, headers: { 'x-request-id': 'trace-1' } });
  assert.equal(res.statusCode, 500);
  assert.doesNotMatch(body.error, /secret|exploded/);
  assert.match(body.error, /trace-1/);
  assert.match(logs.text, /kernel exploded/);
});
