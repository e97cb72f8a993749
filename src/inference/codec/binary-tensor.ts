// Binary tensor data extension: little-endian row-major buffers ⇄ typed arrays, zero-copy when aligned.
import { InvalidInputError } from '../../errors.js';
import { DATATYPE_INFO, elementCount, formatShape, type Datatype, type TensorData } from '../tensor.js';

const utf8 = new TextDecoder('utf-8', { fatal: true });

/** Splits BYTES elements: each is a uint32 little-endian length followed by that many bytes. */
function decodeBytesElements(name: string, buf: Buffer, count: number): string[] {
  // NOTE: checked before allocating: a huge claimed shape would otherwise throw a RangeError (a 500).
  if (count * 4 > buf.length) throw new InvalidInputError(`input '${name}': ${count} BYTES elements need at least ${count * 4} bytes, binary_data_size is ${buf.length}`);
  const out = new Array<string>(count);
  let offset = 0;
  for (let i = 0; i < count; i++) {
    if (offset + 4 > buf.length) throw new InvalidInputError(`input '${name}': binary BYTES data ends inside the length of element ${i}`);
    const len = buf.readUInt32LE(offset);
    offset += 4;
    if (offset + len > buf.length) throw new InvalidInputError(`input '${name}': binary BYTES element ${i} claims ${len} bytes, only ${buf.length - offset} remain`);
    try {
      out[i] = utf8.decode(buf.subarray(offset, offset + len));
    } catch {
      throw new InvalidInputError(`input '${name}': BYTES element ${i} is not valid UTF-8 (onnxruntime string tensors hold text)`);
    }
    offset += len;
  }
  if (offset !== buf.length) throw new InvalidInputError(`input '${name}': ${buf.length - offset} bytes left after ${count} BYTES elements`);
  return out;
}

/** Views (or, when misaligned, copies) one input's raw bytes as the array type of `datatype`. */
export function decodeBinaryData(name: string, datatype: Datatype, shape: readonly number[], buf: Buffer): TensorData {
  const count = elementCount(shape);
  const info = DATATYPE_INFO[datatype];
  if (info.array === null) return decodeBytesElements(name, buf, count);
  const expected = count * info.size;
  if (buf.length !== expected) {
    throw new InvalidInputError(`input '${name}': shape ${formatShape(shape)} of ${datatype} needs ${expected} bytes, binary_data_size is ${buf.length}`);
  }
  if (buf.byteOffset % info.size === 0) return new info.array(buf.buffer, buf.byteOffset, count);
  // NOTE: typed arrays need aligned offsets; the JSON header's length decides where a buffer starts.
  const copy = new info.array(count);
  new Uint8Array(copy.buffer).set(buf);
  return copy;
}

/** The raw bytes of an output, without copying numeric data. */
export function encodeBinaryData(datatype: Datatype, data: TensorData): Buffer {
  if (DATATYPE_INFO[datatype].array !== null) {
    const typed = data as Uint8Array;
    return Buffer.from(typed.buffer, typed.byteOffset, typed.byteLength);
  }
  const parts = (data as string[]).map((s) => Buffer.from(s, 'utf8'));
  const out = Buffer.allocUnsafe(parts.reduce((n, p) => n + 4 + p.length, 0));
  let offset = 0;
  for (const p of parts) {
    out.writeUInt32LE(p.length, offset);
    p.copy(out, offset + 4);
    offset += 4 + p.length;
  }
  return out;
}
