// Builds ONNX models in code (onnx-proto), for the demo models and the test fixtures.
import onnxProto from 'onnx-proto';

const { onnx } = onnxProto;
const DT = onnx.TensorProto.DataType;

/** Protocol datatype names (as the Open Inference Protocol spells them) → ONNX element types. */
export const ONNX_ELEM_TYPE = {
  BOOL: DT.BOOL,
  UINT8: DT.UINT8,
  UINT16: DT.UINT16,
  UINT32: DT.UINT32,
  UINT64: DT.UINT64,
  INT8: DT.INT8,
  INT16: DT.INT16,
  INT32: DT.INT32,
  INT64: DT.INT64,
  FP16: DT.FLOAT16,
  FP32: DT.FLOAT,
  FP64: DT.DOUBLE,
  BYTES: DT.STRING,
} as const;
export type ProtoDatatype = keyof typeof ONNX_ELEM_TYPE;

/** A dimension: a fixed size, or a name for a symbolic (dynamic) one. */
export type Dim = number | string;
type AttrValue = number | number[] | string | { tensor: InitializerSpec };

interface InitializerSpec {
  datatype: 'FP32' | 'INT64';
  dims: number[];
  values: ArrayLike<number>;
}

function valueInfo(name: string, datatype: ProtoDatatype, dims: Dim[]) {
  return onnx.ValueInfoProto.create({
    name,
    type: {
      tensorType: {
        elemType: ONNX_ELEM_TYPE[datatype],
        shape: { dim: dims.map((d) => (typeof d === 'string' ? { dimParam: d } : { dimValue: d })) },
      },
    },
  });
}

function tensorProto(name: string, spec: InitializerSpec) {
  const base = { name, dims: spec.dims, dataType: ONNX_ELEM_TYPE[spec.datatype] };
  return spec.datatype === 'FP32'
    ? onnx.TensorProto.create({ ...base, floatData: Array.from(spec.values) })
    : onnx.TensorProto.create({ ...base, int64Data: Array.from(spec.values) });
}

function attribute(name: string, value: AttrValue) {
  const A = onnx.AttributeProto.AttributeType;
  if (typeof value === 'number') {
    return Number.isInteger(value)
      ? onnx.AttributeProto.create({ name, type: A.INT, i: value })
      : onnx.AttributeProto.create({ name, type: A.FLOAT, f: value });
  }
  if (typeof value === 'string') return onnx.AttributeProto.create({ name, type: A.STRING, s: Buffer.from(value) });
  if (Array.isArray(value)) return onnx.AttributeProto.create({ name, type: A.INTS, ints: value });
  return onnx.AttributeProto.create({ name, type: A.TENSOR, t: tensorProto(name, value.tensor) });
}

/** Accumulates a graph; `toBytes()` serializes a complete ModelProto (opset 17, IR 8). */
export class GraphBuilder {
  readonly #inputs: ReturnType<typeof valueInfo>[] = [];
  readonly #outputs: ReturnType<typeof valueInfo>[] = [];
  readonly #initializers: ReturnType<typeof tensorProto>[] = [];
  readonly #nodes: ReturnType<typeof onnx.NodeProto.create>[] = [];

  constructor(readonly name: string) {}

  input(name: string, datatype: ProtoDatatype, dims: Dim[]): this {
    this.#inputs.push(valueInfo(name, datatype, dims));
    return this;
  }

  output(name: string, datatype: ProtoDatatype, dims: Dim[]): this {
    this.#outputs.push(valueInfo(name, datatype, dims));
    return this;
  }

  /** A constant tensor (weights). FP32 values are stored as float32, INT64 as int64. */
  initializer(name: string, datatype: InitializerSpec['datatype'], dims: number[], values: ArrayLike<number>): this {
    this.#initializers.push(tensorProto(name, { datatype, dims, values }));
    return this;
  }

  node(opType: string, inputs: string[], outputs: string[], attrs: Record<string, AttrValue> = {}): this {
    this.#nodes.push(
      onnx.NodeProto.create({
        opType,
        input: inputs,
        output: outputs,
        name: `${opType}_${this.#nodes.length}`,
        attribute: Object.entries(attrs).map(([k, v]) => attribute(k, v)),
      }),
    );
    return this;
  }

  toBytes(): Uint8Array {
    const graph = onnx.GraphProto.create({
      name: this.name,
      node: this.#nodes,
      input: this.#inputs,
      output: this.#outputs,
      initializer: this.#initializers,
    });
    const model = onnx.ModelProto.create({
      irVersion: 8,
      producerName: 'onnx-serve-tools',
      producerVersion: '1',
      opsetImport: [{ domain: '', version: 17 }],
      graph,
    });
    return onnx.ModelProto.encode(model).finish();
  }
}
