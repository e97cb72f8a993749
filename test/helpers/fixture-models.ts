// Builds the fixture model repository the tests serve: small ONNX graphs covering every datatype and edge case.
import { mkdir, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { GraphBuilder, type ProtoDatatype } from '../../tools/onnx/graph-builder.js';

/** Every protocol datatype, in the order of the protocol's table. */
export const ALL_DATATYPES = [
  'BOOL', 'UINT8', 'UINT16', 'UINT32', 'UINT64', 'INT8', 'INT16', 'INT32', 'INT64', 'FP16', 'FP32', 'FP64', 'BYTES',
] as const satisfies readonly ProtoDatatype[];

/** Declared shape of a fixture tensor as the backend reports it: -1 for symbolic dims. */
export interface FixtureTensor {
  name: string;
  datatype: ProtoDatatype;
  shape: number[];
}

export interface FixtureModel {
  name: string;
  versions: number[];
  inputs: FixtureTensor[];
  outputs: FixtureTensor[];
}

const t = (name: string, datatype: ProtoDatatype, shape: number[]): FixtureTensor => ({ name, datatype, shape });

export const ALL_TYPES: FixtureModel = {
  name: 'all-types',
  versions: [1],
  inputs: ALL_DATATYPES.map((dt) => t(`in_${dt}`, dt, [-1, 2])),
  outputs: ALL_DATATYPES.map((dt) => t(`out_${dt}`, dt, [-1, 2])),
};

export const MULTI_IO: FixtureModel = {
  name: 'multi-io',
  versions: [1],
  inputs: [t('a', 'FP32', [-1, 3]), t('b', 'FP32', [-1, 3]), t('k', 'INT64', [-1, 1])],
  outputs: [t('sum', 'FP32', [-1, 3]), t('product', 'FP32', [-1, 3]), t('k_doubled', 'INT64', [-1, 1])],
};

export const SCALAR: FixtureModel = {
  name: 'scalar',
  versions: [1],
  inputs: [t('x', 'FP32', [])],
  outputs: [t('y', 'FP32', [])],
};

export const DYNAMIC: FixtureModel = {
  name: 'dynamic',
  versions: [1],
  inputs: [t('x', 'FP32', [-1, -1])],
  outputs: [t('row_sum', 'FP32', [-1]), t('same', 'FP32', [-1, -1])],
};

export const STRINGS: FixtureModel = {
  name: 'strings',
  versions: [1],
  inputs: [t('text', 'BYTES', [-1])],
  outputs: [t('echo', 'BYTES', [-1])],
};

export const FIXED: FixtureModel = {
  name: 'fixed',
  versions: [1],
  inputs: [t('x', 'FP32', [2, 3])],
  outputs: [t('y', 'FP32', [2, 3])],
};

export const CLASSIFIER_LABELS = ['cat', 'dog', 'bird', 'fish'] as const;
export const CLASSIFIER: FixtureModel = {
  name: 'classifier',
  versions: [1],
  inputs: [t('x', 'FP32', [-1, 4])],
  outputs: [t('scores', 'FP32', [-1, 4])],
};

/** Version v computes y = x + v, so a response tells which version served it. */
export const TWO_VERSIONS: FixtureModel = {
  name: 'two-versions',
  versions: [1, 2],
  inputs: [t('x', 'FP32', [-1, 1])],
  outputs: [t('y', 'FP32', [-1, 1])],
};

/** A valid model whose model.yaml has a typo'd key (`versionPolcy`), so its config fails validation. */
export const BAD_CONFIG: FixtureModel = {
  name: 'bad-config',
  versions: [1],
  inputs: [t('x', 'FP32', [-1, 1])],
  outputs: [t('y', 'FP32', [-1, 1])],
};

/** Version 1 holds garbage bytes instead of an ONNX model. */
export const BROKEN = { name: 'broken', versions: [1] } as const;
export const BROKEN_BYTES = 'this is not an onnx model\n';

/** The fixtures that load and run. */
export const GOOD_FIXTURES: readonly FixtureModel[] = [ALL_TYPES, MULTI_IO, SCALAR, DYNAMIC, STRINGS, FIXED, CLASSIFIER, TWO_VERSIONS, BAD_CONFIG];

export const CLASSIFIER_YAML = `labels: [${CLASSIFIER_LABELS.join(', ')}]\n`;
export const TWO_VERSIONS_YAML = 'versionPolicy: all\n';
export const BAD_CONFIG_YAML = 'versionPolcy: all\n';

export function allTypesModel(): Uint8Array {
  const g = new GraphBuilder(ALL_TYPES.name);
  for (const dt of ALL_DATATYPES) {
    g.input(`in_${dt}`, dt, ['batch', 2]).output(`out_${dt}`, dt, ['batch', 2]).node('Identity', [`in_${dt}`], [`out_${dt}`]);
  }
  return g.toBytes();
}

export function multiIoModel(): Uint8Array {
  return new GraphBuilder(MULTI_IO.name)
    .input('a', 'FP32', ['batch', 3])
    .input('b', 'FP32', ['batch', 3])
    .input('k', 'INT64', ['batch', 1])
    .output('sum', 'FP32', ['batch', 3])
    .output('product', 'FP32', ['batch', 3])
    .output('k_doubled', 'INT64', ['batch', 1])
    .node('Add', ['a', 'b'], ['sum'])
    .node('Mul', ['a', 'b'], ['product'])
    .node('Add', ['k', 'k'], ['k_doubled'])
    .toBytes();
}

export function scalarModel(): Uint8Array {
  return new GraphBuilder(SCALAR.name)
    .input('x', 'FP32', [])
    .output('y', 'FP32', [])
    .initializer('two', 'FP32', [], [2])
    .node('Mul', ['x', 'two'], ['y'])
    .toBytes();
}

export function dynamicModel(): Uint8Array {
  return new GraphBuilder(DYNAMIC.name)
    .input('x', 'FP32', ['batch', 'n'])
    .output('row_sum', 'FP32', ['batch'])
    .output('same', 'FP32', ['batch', 'n'])
    // NOTE: since opset 13 ReduceSum takes its axes as an input tensor, not an attribute.
    .initializer('axes', 'INT64', [1], [1])
    .node('ReduceSum', ['x', 'axes'], ['row_sum'], { keepdims: 0 })
    .node('Identity', ['x'], ['same'])
    .toBytes();
}

export function stringsModel(): Uint8Array {
  return new GraphBuilder(STRINGS.name)
    .input('text', 'BYTES', ['batch'])
    .output('echo', 'BYTES', ['batch'])
    // NOTE: no `is_empty` output: Equal takes strings only from opset 19 and GraphBuilder writes opset 17.
    .node('Identity', ['text'], ['echo'])
    .toBytes();
}

export function fixedModel(): Uint8Array {
  return new GraphBuilder(FIXED.name)
    .input('x', 'FP32', [2, 3])
    .output('y', 'FP32', [2, 3])
    .node('Relu', ['x'], ['y'])
    .toBytes();
}

export function classifierModel(): Uint8Array {
  const identity = Array.from({ length: 16 }, (_, i) => (i % 5 === 0 ? 1 : 0));
  return new GraphBuilder(CLASSIFIER.name)
    .input('x', 'FP32', ['batch', 4])
    .output('scores', 'FP32', ['batch', 4])
    .initializer('eye', 'FP32', [4, 4], identity)
    .node('MatMul', ['x', 'eye'], ['scores'])
    .toBytes();
}

/** y = x + `add`: the two-versions and bad-config models. */
export function addConstantModel(name: string, add: number): Uint8Array {
  return new GraphBuilder(name)
    .input('x', 'FP32', ['batch', 1])
    .output('y', 'FP32', ['batch', 1])
    .initializer('c', 'FP32', [1], [add])
    .node('Add', ['x', 'c'], ['y'])
    .toBytes();
}

async function put(dir: string, path: string, contents: Uint8Array | string): Promise<void> {
  const file = join(dir, path);
  await mkdir(dirname(file), { recursive: true });
  await writeFile(file, contents);
}

/** Writes every fixture model under `dir` (created if needed); the same bytes on every call. */
export async function buildFixtureRepository(dir: string): Promise<void> {
  await Promise.all([
    put(dir, 'all-types/1/model.onnx', allTypesModel()),
    put(dir, 'multi-io/1/model.onnx', multiIoModel()),
    put(dir, 'scalar/1/model.onnx', scalarModel()),
    put(dir, 'dynamic/1/model.onnx', dynamicModel()),
    put(dir, 'strings/1/model.onnx', stringsModel()),
    put(dir, 'fixed/1/model.onnx', fixedModel()),
    put(dir, 'classifier/1/model.onnx', classifierModel()),
    put(dir, 'classifier/model.yaml', CLASSIFIER_YAML),
    put(dir, 'broken/1/model.onnx', BROKEN_BYTES),
    put(dir, 'two-versions/1/model.onnx', addConstantModel(TWO_VERSIONS.name, 1)),
    put(dir, 'two-versions/2/model.onnx', addConstantModel(TWO_VERSIONS.name, 2)),
    put(dir, 'two-versions/model.yaml', TWO_VERSIONS_YAML),
    put(dir, 'bad-config/1/model.onnx', addConstantModel(BAD_CONFIG.name, 1)),
    put(dir, 'bad-config/model.yaml', BAD_CONFIG_YAML),
  ]);
}
