// JSON tensor data ⇄ typed arrays: flat or nested input, one pass per element, exact checks.
import { InvalidInputError } from '../../errors.js';
import { DATATYPE_INFO, elementCount, formatShape, type Datatype, type TensorData } from '../tensor.js';

const MAX_NESTING = 32;

/** Flattens nested arrays in row-major order, rejecting ragged or mixed nesting. */
function flatten(name: string, data: unknown[]): unknown[] {
  if (data.length === 0 || !Array.isArray(data[0])) {
    for (let i = 0; i < data.length; i++) {
      if (Array.isArray(data[i])) throw new InvalidInputError(`input '${name}': ragged data: element ${i} is an array but element 0 is not`);
    }
    return data;
  }
  const out: unknown[] = [];
  let leafDepth = -1;
  const walk = (node: unknown[], depth: number, expectedLengths: number[]): void => {
    if (depth > MAX_NESTING) throw new InvalidInputError(`input '${name}': data nested deeper than ${MAX_NESTING} levels`);
    if (expectedLengths[depth] === undefined) expectedLengths[depth] = node.length;
    else if (expectedLengths[depth] !== node.length) {
      throw new InvalidInputError(`input '${name}': ragged data: arrays at depth ${depth} have lengths ${expectedLengths[depth]} and ${node.length}`);
    }
    const leaf = node.length === 0 || !Array.isArray(node[0]);
    // NOTE: equal lengths per depth are not enough: [[[1]], [2]] has them but holds values at two depths.
    if (leaf && leafDepth === -1) leafDepth = depth;
    else if (leaf && leafDepth !== depth) {
      throw new InvalidInputError(`input '${name}': ragged data: values at depths ${leafDepth + 1} and ${depth + 1}`);
    }
    for (const child of node) {
      if (Array.isArray(child) === leaf) throw new InvalidInputError(`input '${name}': ragged data: arrays and values mixed at depth ${depth + 1}`);
      if (leaf) out.push(child);
      else walk(child as unknown[], depth + 1, expectedLengths);
    }
  };
  walk(data, 0, []);
  return out;
}

/** What kind of value it is, never the value itself: messages end up in logs, and tensor data must not. */
function kindOf(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'an array';
  if (typeof value === 'number') return Number.isInteger(value) ? 'an integer' : 'a fraction';
  return typeof value === 'object' ? 'an object' : `a ${typeof value}`;
}

function bad(name: string, index: number, value: unknown, expected: string): InvalidInputError {
  return new InvalidInputError(`input '${name}': element ${index} is ${kindOf(value)}, expected ${expected}`);
}

/** Decodes the `data` of one input into the array type of `datatype`, checking count, type and range. */
export function decodeJsonData(name: string, datatype: Datatype, shape: readonly number[], data: unknown): TensorData {
  if (!Array.isArray(data)) throw new InvalidInputError(`input '${name}': 'data' must be an array`);
  const flat = flatten(name, data);
  const count = elementCount(shape);
  if (flat.length !== count) {
    throw new InvalidInputError(`input '${name}': shape ${formatShape(shape)} needs ${count} elements, data has ${flat.length}`);
  }
  const info = DATATYPE_INFO[datatype];
  switch (info.kind) {
    case 'float': {
      const out = new info.array!(count) as Float32Array | Float64Array;
      for (let i = 0; i < count; i++) {
        const v = flat[i];
        if (typeof v !== 'number') throw bad(name, i, v, 'a number');
        out[i] = v;
      }
      return out;
    }
    case 'int': {
      const out = new info.array!(count) as Int32Array;
      const [min, max] = info.range as [number, number];
      for (let i = 0; i < count; i++) {
        const v = flat[i];
        if (typeof v !== 'number' || !Number.isInteger(v)) throw bad(name, i, v, `an integer (${datatype})`);
        if (v < min || v > max) throw new InvalidInputError(`input '${name}': element ${i} is out of range, expected a value in [${min}, ${max}] (${datatype})`);
        out[i] = v;
      }
      return out;
    }
    case 'bigint': {
      const out = new info.array!(count) as BigInt64Array;
      const lowest = datatype === 'UINT64' ? 0 : -Number.MAX_SAFE_INTEGER;
      for (let i = 0; i < count; i++) {
        const v = flat[i];
        if (typeof v !== 'number' || !Number.isInteger(v)) throw bad(name, i, v, `an integer (${datatype})`);
        // NOTE: JSON.parse turns integers beyond 2^53 into doubles, so they can't be trusted; binary carries the full range.
        if (v < lowest || v > Number.MAX_SAFE_INTEGER) {
          throw new InvalidInputError(
            `input '${name}': element ${i} is out of range, expected an integer in [${lowest}, ${Number.MAX_SAFE_INTEGER}] (use binary data for the full ${datatype} range)`,
          );
        }
        out[i] = BigInt(v);
      }
      return out;
    }
    case 'bool': {
      const out = new Uint8Array(count);
      for (let i = 0; i < count; i++) {
        const v = flat[i];
        if (typeof v !== 'boolean') throw bad(name, i, v, 'true or false');
        out[i] = v ? 1 : 0;
      }
      return out;
    }
    case 'bytes': {
      for (let i = 0; i < count; i++) if (typeof flat[i] !== 'string') throw bad(name, i, flat[i], 'a string');
      return flat as string[];
    }
    case 'half':
      throw new InvalidInputError(`input '${name}': FP16 cannot be sent as JSON; send it with the binary tensor extension`);
  }
}

/** JSON text of a tensor's data, flat; numeric arrays use the native join instead of per-element calls. */
export function encodeJsonData(datatype: Datatype, data: TensorData): string {
  const kind = DATATYPE_INFO[datatype].kind;
  if (kind === 'bytes') return JSON.stringify(data);
  if (kind === 'half') throw new Error('FP16 has no JSON form; callers must ask for binary');
  if (kind === 'bool') {
    let s = '[';
    for (let i = 0; i < data.length; i++) s += (i === 0 ? '' : ',') + (data[i] ? 'true' : 'false');
    return s + ']';
  }
  const text = `[${(data as Float64Array).join(',')}]`;
  // NOTE: join writes NaN/Infinity, which JSON can't hold; only float outputs can contain them, and the
  // letters N and I appear in no finite number's text, so one native scan decides whether to patch.
  if (kind === 'float' && (text.includes('N') || text.includes('I'))) {
    return JSON.stringify(Array.from(data as Float64Array));
  }
  return text;
}
