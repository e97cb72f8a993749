// src/inference/model-guard.ts: a model that stores tensors outside itself never reaches onnxruntime.
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { after, describe, test } from 'node:test';
import onnxProto from 'onnx-proto';
import { assertSelfContained } from '../../src/inference/model-guard.js';
import { createOrtBackend } from '../../src/inference/ort-backend.js';
import { addConstantModel, allTypesModel, classifierModel } from '../helpers/fixture-models.js';

const { onnx } = onnxProto;
const U8 = onnx.TensorProto.DataType.UINT8;
const scratch = mkdtempSync(join(process.cwd(), '.model-guard-test-'));
after(() => rmSync(scratch, { recursive: true, force: true }));

const vi = (name: string) => onnx.ValueInfoProto.create({ name, type: { tensorType: { elemType: U8, shape: { dim: [{ dimValue: 4 }] } } } });

/** y = x + W where W is stored in `location` (relative to the working directory) — a file the server can read. */
function externalTensor(location: string, viaLocationOnly = false) {
  return onnx.TensorProto.create({
    name: 'W', dataType: U8, dims: [4],
    dataLocation: onnx.TensorProto.DataLocation.EXTERNAL,
    externalData: viaLocationOnly ? [] : [{ key: 'location', value: location }, { key: 'length', value: '4' }],
  });
}
const addGraph = (initializer: unknown[]) => onnx.GraphProto.create({
  name: 'g', node: [onnx.NodeProto.create({ opType: 'Add', input: ['x', 'W'], output: ['y'], name: 'add' })],
  input: [vi('x')], output: [vi('y')], initializer: initializer as never,
});
const encode = (graph: unknown) => onnx.ModelProto.encode(onnx.ModelProto.create({ irVersion: 8, opsetImport: [{ domain: '', version: 17 }], graph: graph as never })).finish();

describe('assertSelfContained', () => {
  test('passes every self-contained fixture model', () => {
    for (const bytes of [addConstantModel('a', 1), allTypesModel(), classifierModel()]) assert.doesNotThrow(() => assertSelfContained(bytes));
  });

  test('refuses an initializer stored in an external file', () => {
    assert.throws(() => assertSelfContained(encode(addGraph([externalTensor('secret.txt')]))), /external data files/);
  });

  test('refuses external data flagged by data_location alone, and inside a subgraph attribute', () => {
    assert.throws(() => assertSelfContained(encode(addGraph([externalTensor('x', true)]))), /external data files/);
    const inner = addGraph([externalTensor('secret.txt')]);
    const ifNode = onnx.NodeProto.create({
      opType: 'If', input: ['c'], output: ['y'], name: 'if',
      attribute: [onnx.AttributeProto.create({ name: 'then_branch', type: onnx.AttributeProto.AttributeType.GRAPH, g: inner })],
    });
    assert.throws(() => assertSelfContained(encode(onnx.GraphProto.create({ name: 'outer', node: [ifNode] }))), /external data files/);
  });

  test('refuses bytes that are not a protobuf', () => {
    assert.throws(() => assertSelfContained(Buffer.from([0x0a, 0xff, 0xff, 0xff, 0xff, 0x0f, 1, 2])), /not a valid ONNX protobuf/);
  });

  test('createOrtBackend refuses such a model before onnxruntime can read a file of the working directory into it', async () => {
    const secret = join(scratch, 'secret.txt');
    writeFileSync(secret, 'SECRET');
    const bytes = encode(addGraph([externalTensor(relative(process.cwd(), secret))]));
    await assert.rejects(createOrtBackend(bytes, { intraOpThreads: 1, interOpThreads: 1, allowSpinning: false }), /external data files/);
  });
});
