// Binary tensor data extension framing: a JSON header followed by raw buffers, for requests and responses.
import { InvalidInputError } from '../../errors.js';
import type { NamedTensor } from '../data-plane.js';
import { encodeBinaryData } from './binary-tensor.js';
import { parseJsonBytes } from './json-parse.js';
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
  return { header: parseHeader(body, jsonLength), binary: jsonLength === body.length ? NO_BYTES : body.subarray(jsonLength) };
}

/** NOTE: below this, JSON.parse is as fast: the numbers parseJsonBytes reads faster are too few to pay for its setup. */
const FAST_PARSE_FROM_BYTES = 256;
const NO_BYTES = Buffer.alloc(0);
/** A "__proto__" key, its letters plain or \u-escaped (as secure-json-parse, Fastify's own parser, finds it). */
const PROTO_KEY = /"(?:_|\\u005[Ff])(?:_|\\u005[Ff])(?:p|\\u0070)(?:r|\\u0072)(?:o|\\u006[Ff])(?:t|\\u0074)(?:o|\\u006[Ff])(?:_|\\u005[Ff])(?:_|\\u005[Ff])"\s*:/;

/**
 * A "__proto__" key would become the prototype of objects built from the header; no client needs one. NOTE: any
 * spelling of it holds either the plain word or an escape, so two substring searches (about 25 ns) spare most
 * bodies the pattern; searching the bytes before decoding took 240 ns a request.
 */
const hasProtoKey = (text: string): boolean => (text.includes('__proto__') || text.includes('\\u')) && PROTO_KEY.test(text);

/** The JSON in the first `length` bytes of `body`: bodies heavy with numbers go to parseJsonBytes. */
function parseHeader(body: Buffer, length: number): unknown {
  if (length >= FAST_PARSE_FROM_BYTES) {
    // NOTE: never with a "__proto__" key: parseJsonBytes leaves those to the path below.
    const header = parseJsonBytes(body, 0, length);
    if (header !== undefined) return header;
  }
  const text = body.toString('utf8', 0, length);
  if (hasProtoKey(text)) throw new InvalidInputError('request body contains a "__proto__" key');
  try {
    return JSON.parse(text);
  } catch (err) {
    // NOTE: V8's message quotes the body around the mistake; only its position may reach the log line.
    const position = /position (\d+)/.exec((err as Error).message)?.[1];
    throw new InvalidInputError(`request body is not valid JSON${position === undefined ? '' : ` (at byte ${position})`}`);
  }
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

/** Characters a JSON string may hold as they are (printable ASCII but '"' and '\\'). */
const PLAIN = /^[\x20\x21\x23-\x5b\x5d-\x7e]*$/;

/** NOTE: names and ids are nearly always plain; quoting those directly skips JSON.stringify's general path. */
const quote = (s: string): string => (PLAIN.test(s) ? `"${s}"` : JSON.stringify(s));

/** NOTE: one and two dimensions (batch; batch × features) are nearly every response, and need no join. */
const shapeText = (shape: readonly number[]): string =>
  shape.length === 1 ? `[${shape[0]}]` : shape.length === 2 ? `[${shape[0]},${shape[1]}]` : `[${shape.join(',')}]`;

/** The text for a pair of keys (a name and a datatype; a model and a version), made from them. */
type MakeText = (a: string, b: string | number) => string;

/**
 * Texts made from pairs of keys, kept to be reused. NOTE: the last few used are found by comparing keys, which
 * from the loaded models and the code are the same string objects: cheaper than hashing them into a Map, which
 * cost about 1 % of an iris request's CPU in production (three lookups a response). The rest (a model with
 * many outputs) are in a Map behind them, capped.
 */
class TextCache {
  readonly #a: string[] = [];
  readonly #b: (string | number)[] = [];
  readonly #text: string[] = [];
  readonly #all = new Map<string, Map<string | number, string>>();
  #next = 0;

  constructor(
    readonly recent: number,
    readonly cap: number,
    readonly make: MakeText,
  ) {}

  get(a: string, b: string | number): string {
    for (let i = 0; i < this.#text.length; i++) if (this.#a[i] === a && this.#b[i] === b) return this.#text[i];
    let byB = this.#all.get(a);
    if (byB === undefined) {
      if (this.#all.size >= this.cap) this.#all.clear();
      this.#all.set(a, (byB = new Map()));
    }
    let text = byB.get(b);
    if (text === undefined) byB.set(b, (text = this.make(a, b)));
    const slot = this.#next;
    this.#next = (slot + 1) % this.recent;
    this.#a[slot] = a;
    this.#b[slot] = b;
    this.#text[slot] = text;
    return text;
  }
}

/** NOTE: the keys come from a small set (the code's keys; the loaded models' names, versions, outputs); the cap only guards against a surprise. */
const CACHE_CAP = 4096;
const keyTexts = new TextCache(8, CACHE_CAP, (key) => `${quote(key)}:`);
const outputHeads = new TextCache(16, CACHE_CAP, (name, datatype) => `{"name":${quote(name)},"datatype":"${datatype}","shape":`);
const resultHeads = new TextCache(8, CACHE_CAP, (model, version) => `{"model_name":${quote(model)},"model_version":"${version}","id":`);

/**
 * Writes an inference response; numeric JSON data is joined natively rather than stringified element by element.
 * NOTE: written by hand rather than with JSON.stringify on objects, which cost about 0.3 µs per object here:
 * a third of a small response's whole encoding. The fixed parts come from caches: an iris response 1014 -> 840 ns
 * and 2.6 -> 1.9 kB of strings allocated.
 */
export function encodeInferResponse(head: Record<string, unknown>, outputs: readonly NamedTensor[]): EncodedResponse {
  let json = '{';
  for (const key in head) {
    const value = head[key];
    if (value === undefined) continue;
    json += keyTexts.get(key, 0) + (typeof value === 'string' ? quote(value) : JSON.stringify(value)) + ',';
  }
  return encodeOutputs(json, outputs);
}

/**
 * The same response for one served inference: `{"model_name", "model_version", "id", "outputs"}`. NOTE: the text up
 * to the id comes whole from a cache per model and version, where the general form looked up and quoted each key.
 */
export function encodeInferResult(model: string, version: number, id: string, outputs: readonly NamedTensor[]): EncodedResponse {
  const head = resultHeads.get(model, version);
  return encodeOutputs(`${head}${quote(id)},`, outputs);
}

/** Appends the outputs to `json` (the response's opening and head fields, through a trailing comma). */
function encodeOutputs(start: string, outputs: readonly NamedTensor[]): EncodedResponse {
  const buffers: Buffer[] = [];
  let json = `${start}"outputs":[`;
  for (let i = 0; i < outputs.length; i++) {
    const o = outputs[i];
    if (i > 0) json += ',';
    json += outputHeads.get(o.name, o.datatype) + shapeText(o.shape) + ',';
    if (o.binary) {
      const buf = encodeBinaryData(o.datatype, o.data);
      if (buf.length > 0) buffers.push(buf);
      json += `"parameters":{"binary_data_size":${buf.length}}}`;
    } else {
      json += '"data":' + encodeJsonData(o.datatype, o.data) + '}';
    }
  }
  return { json: `${json}]}`, buffers };
}
