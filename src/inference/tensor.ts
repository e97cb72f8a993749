// Tensors as the server passes them around: protocol datatype, shape, flat row-major data.

/** Open Inference Protocol datatypes that onnxruntime-node can feed and fetch. */
export const DATATYPES = [
  'BOOL', 'UINT8', 'UINT16', 'UINT32', 'UINT64', 'INT8', 'INT16', 'INT32', 'INT64', 'FP16', 'FP32', 'FP64', 'BYTES',
] as const;
export type Datatype = (typeof DATATYPES)[number];

export type NumericArray =
  | Uint8Array | Uint16Array | Uint32Array | BigUint64Array
  | Int8Array | Int16Array | Int32Array | BigInt64Array
  | Float32Array | Float64Array;
/** BOOL is a Uint8Array of 0/1, FP16 a Uint16Array of IEEE half bits, BYTES an array of strings. */
export type TensorData = NumericArray | string[];

export interface Tensor {
  datatype: Datatype;
  shape: number[];
  data: TensorData;
}

/** A tensor as a model declares it: -1 marks a dynamic (symbolic) dimension. */
export interface TensorSpec {
  name: string;
  datatype: Datatype;
  shape: number[];
}

export interface ModelSignature {
  inputs: TensorSpec[];
  outputs: TensorSpec[];
}

type NumericCtor = { new (n: number): NumericArray; new (buf: ArrayBufferLike, offset: number, length: number): NumericArray; BYTES_PER_ELEMENT: number };

export interface DatatypeInfo {
  /** Element size in bytes on the wire; 0 for BYTES (length-prefixed). */
  size: number;
  array: NumericCtor | null;
  /** Inclusive range for integer types; JSON values outside it are rejected. */
  range?: readonly [number | bigint, number | bigint];
  kind: 'float' | 'int' | 'bigint' | 'bool' | 'half' | 'bytes';
}

export const DATATYPE_INFO: Record<Datatype, DatatypeInfo> = {
  BOOL: { size: 1, array: Uint8Array, kind: 'bool' },
  UINT8: { size: 1, array: Uint8Array, kind: 'int', range: [0, 255] },
  UINT16: { size: 2, array: Uint16Array, kind: 'int', range: [0, 65535] },
  UINT32: { size: 4, array: Uint32Array, kind: 'int', range: [0, 4294967295] },
  UINT64: { size: 8, array: BigUint64Array as unknown as NumericCtor, kind: 'bigint', range: [0n, 2n ** 64n - 1n] },
  INT8: { size: 1, array: Int8Array, kind: 'int', range: [-128, 127] },
  INT16: { size: 2, array: Int16Array, kind: 'int', range: [-32768, 32767] },
  INT32: { size: 4, array: Int32Array, kind: 'int', range: [-2147483648, 2147483647] },
  INT64: { size: 8, array: BigInt64Array as unknown as NumericCtor, kind: 'bigint', range: [-(2n ** 63n), 2n ** 63n - 1n] },
  FP16: { size: 2, array: Uint16Array, kind: 'half' },
  FP32: { size: 4, array: Float32Array, kind: 'float' },
  FP64: { size: 8, array: Float64Array, kind: 'float' },
  BYTES: { size: 0, array: null, kind: 'bytes' },
};

export function isDatatype(value: string): value is Datatype {
  return Object.hasOwn(DATATYPE_INFO, value);
}

/** Number of elements a shape holds; the empty shape is a scalar (1 element). */
export function elementCount(shape: readonly number[]): number {
  let n = 1;
  for (const d of shape) n *= d;
  return n;
}

/** True when `shape` fits `spec` (same rank; -1 in the spec matches any size). */
export function shapeMatches(spec: readonly number[], shape: readonly number[]): boolean {
  if (spec.length !== shape.length) return false;
  for (let i = 0; i < spec.length; i++) if (spec[i] !== -1 && spec[i] !== shape[i]) return false;
  return true;
}

export const formatShape = (shape: readonly number[]): string => `[${shape.join(', ')}]`;
