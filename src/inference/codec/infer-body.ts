// Binary tensor data extension framing: a JSON header followed by raw buffers, for requests and responses.
import { InvalidInputError } from '../../errors.js';
import type { NamedTensor } from '../data-plane.js';
import { encodeBinaryData } from './binary-tensor.js';
import { encodeJsonData } from './json-tensor.js';

export const HEADER_LENGTH = 'Inference-Header-Content-Length';

/** Splits a request body into its JSON header and the binary part that follows it. */
export function splitInferBody(body: Buffer, headerLength: string | undefined): { header: unknown; binary: Buffer } {
  let jsonLength = body.length;
  if (headerLength !== undefined) {
    if (!/^[0-9]{1,10}$/.test(headerLength)) throw new InvalidInputError(`${HEADER_LENGTH} must be a byte count, got '${headerLength.slice(0, 20)}'`);
    jsonLength = Number(headerLength);
    if (jsonLength === 0) throw new InvalidInputError(`${HEADER_LENGTH}: 0 (raw binary request) is not supported; send a JSON header`);
    if (jsonLength > body.length) throw new InvalidInputError(`${HEADER_LENGTH} is ${jsonLength} but the body has only ${body.length} bytes`);
  }
  const text = body.toString('utf8', 0, jsonLength);
  let header: unknown;
  try {
    header = JSON.parse(text);
  } catch (err) {
    // NOTE: V8's message quotes the body around the mistake; only its position may reach the log line.
    const position = /position (\d+)/.exec((err as Error).message)?.[1];
    throw new InvalidInputError(`request body is not valid JSON${position === undefined ? '' : ` (at byte ${position})`}`);
  }
  // NOTE: a "__proto__" key would become the prototype of objects built from the header; no client needs one.
  if (text.includes('"__proto__"')) throw new InvalidInputError('request body contains a "__proto__" key');
  return { header, binary: body.subarray(jsonLength) };
}

/** Cuts the binary part into per-input buffers, in the order of `sizes`; every byte must be claimed. */
export function sliceBinary(binary: Buffer, sizes: readonly (number | undefined)[]): (Buffer | undefined)[] {
  let offset = 0;
  const out = sizes.map((size) => {
    if (size === undefined) return undefined;
    if (offset + size > binary.length) {
      throw new InvalidInputError(`binary inputs claim ${sizes.reduce<number>((n, s) => n + (s ?? 0), 0)} bytes but the body carries ${binary.length} after the header`);
    }
    const part = binary.subarray(offset, offset + size);
    offset += size;
    return part;
  });
  if (offset !== binary.length) throw new InvalidInputError(`${binary.length - offset} unclaimed bytes after the binary inputs`);
  return out;
}

export interface EncodedResponse {
  /** The JSON part; the whole body when `buffers` is empty. */
  json: string;
  buffers: Buffer[];
}

/** Writes an inference response; numeric JSON data is joined natively rather than stringified element by element. */
export function encodeInferResponse(head: Record<string, unknown>, outputs: readonly NamedTensor[]): EncodedResponse {
  const buffers: Buffer[] = [];
  const parts = outputs.map((o) => {
    const meta: Record<string, unknown> = { name: o.name, datatype: o.datatype, shape: o.shape };
    if (o.binary) {
      const buf = encodeBinaryData(o.datatype, o.data);
      meta.parameters = { binary_data_size: buf.length };
      if (buf.length > 0) buffers.push(buf);
      return JSON.stringify(meta);
    }
    return `${JSON.stringify(meta).slice(0, -1)},"data":${encodeJsonData(o.datatype, o.data)}}`;
  });
  const open = JSON.stringify(head).slice(0, -1);
  const json = `${open}${open === '{' ? '' : ','}"outputs":[${parts.join(',')}]}`;
  return { json, buffers };
}
