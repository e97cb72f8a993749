// Models for lifecycle tests: requests that take as long as the client asks, and a model whose warm-up never ends.
import onnxProto from 'onnx-proto';

const { onnx } = onnxProto;
const DT = onnx.TensorProto.DataType;
const GRAPH = onnx.AttributeProto.AttributeType.GRAPH;

const value = (name: string, elemType: number, dims: (number | string)[]) =>
  onnx.ValueInfoProto.create({ name, type: { tensorType: { elemType, shape: { dim: dims.map((d) => (typeof d === 'number' ? { dimValue: d } : { dimParam: d })) } } } });
const scalarInt = (name: string, v: number) => onnx.TensorProto.create({ name, dataType: DT.INT64, dims: [], int64Data: [v] });
const scalarBool = (name: string) => onnx.TensorProto.create({ name, dataType: DT.BOOL, dims: [], int32Data: [1] });

/** Loop body: y = y + 1, always continue. */
function incrementBody() {
  return onnx.GraphProto.create({
    name: 'body',
    node: [
      onnx.NodeProto.create({ opType: 'Identity', input: ['cond_in'], output: ['cond_out'], name: 'keep' }),
      onnx.NodeProto.create({ opType: 'Add', input: ['y_in', 'one'], output: ['y_out'], name: 'inc' }),
    ],
    initializer: [onnx.TensorProto.create({ name: 'one', dataType: DT.FLOAT, dims: [1], floatData: [1] })],
    input: [value('i', DT.INT64, []), value('cond_in', DT.BOOL, []), value('y_in', DT.FLOAT, ['batch', 1])],
    output: [value('cond_out', DT.BOOL, []), value('y_out', DT.FLOAT, ['batch', 1])],
  });
}

function loopModel(name: string, tripCount: { input: true } | { constant: number }) {
  const loop = onnx.NodeProto.create({
    opType: 'Loop', input: ['n', 'go', 'x'], output: ['y'], name: 'loop',
    attribute: [onnx.AttributeProto.create({ name: 'body', type: GRAPH, g: incrementBody() })],
  });
  const inputs = [value('x', DT.FLOAT, ['batch', 1])];
  const initializer = [scalarBool('go')];
  if ('input' in tripCount) inputs.push(value('n', DT.INT64, []));
  else initializer.push(scalarInt('n', tripCount.constant));
  const graph = onnx.GraphProto.create({ name, node: [loop], input: inputs, output: [value('y', DT.FLOAT, ['batch', 1])], initializer });
  return onnx.ModelProto.encode(onnx.ModelProto.create({ irVersion: 8, producerName: 'onnx-serve-tests', opsetImport: [{ domain: '', version: 17 }], graph })).finish();
}

/** y = x + n, computed by n loop iterations: a request's duration grows with the scalar input `n`. */
export const spinModel = (): Uint8Array => loopModel('spin', { input: true });

/** A valid model that never finishes a run (a loop of 10^15 iterations): its warm-up hangs whatever thread runs it. */
export const hangModel = (): Uint8Array => loopModel('hang', { constant: 1e15 });
