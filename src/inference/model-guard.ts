// Refuses ONNX models that reference external data: loaded from bytes, onnxruntime would read those files
// relative to the server's working directory, so a model could pull in (and answer with) files of the server.

/** ONNX message kinds the scan descends into, and the length-delimited fields that hold children. */
type Kind = 'model' | 'graph' | 'node' | 'attribute' | 'function' | 'training' | 'sparse' | 'tensor';
const CHILDREN: Record<Kind, Record<number, Kind>> = {
  model: { 7: 'graph', 20: 'training', 25: 'function' },
  graph: { 1: 'node', 5: 'tensor', 15: 'sparse' },
  node: { 5: 'attribute' },
  attribute: { 5: 'tensor', 6: 'graph', 10: 'tensor', 11: 'graph', 22: 'sparse', 23: 'sparse' },
  function: { 7: 'node', 11: 'attribute' },
  training: { 1: 'graph', 2: 'graph' },
  sparse: { 1: 'tensor', 2: 'tensor' },
  tensor: {},
};
/** TensorProto.external_data (entries) and TensorProto.data_location (EXTERNAL = 1). */
const EXTERNAL_DATA = 13;
const DATA_LOCATION = 14;
const EXTERNAL = 1;

export class ModelGuardError extends Error {}

class Reader {
  constructor(
    private readonly bytes: Uint8Array,
    public pos: number,
    private readonly end: number,
  ) {}

  get done(): boolean {
    return this.pos >= this.end;
  }

  varint(): number {
    let value = 0;
    for (let shift = 0, scale = 1; shift < 70; shift += 7, scale *= 128) {
      if (this.pos >= this.end) throw new ModelGuardError('truncated varint');
      const byte = this.bytes[this.pos++];
      value += (byte & 0x7f) * scale;
      if ((byte & 0x80) === 0) return value;
    }
    throw new ModelGuardError('varint too long');
  }

  skip(n: number): void {
    if (n < 0 || this.pos + n > this.end) throw new ModelGuardError('field runs past its message');
    this.pos += n;
  }
}

/** Skips one field's value; groups (wire types 3/4) are skipped to their matching end. */
function skipValue(r: Reader, field: number, wire: number): void {
  if (wire === 0) r.varint();
  else if (wire === 1) r.skip(8);
  else if (wire === 2) r.skip(r.varint());
  else if (wire === 5) r.skip(4);
  else if (wire === 3) {
    for (;;) {
      const tag = r.varint();
      if ((tag & 7) === 4) {
        if (Math.floor(tag / 8) !== field) throw new ModelGuardError('mismatched group end');
        return;
      }
      skipValue(r, Math.floor(tag / 8), tag & 7);
    }
  } else throw new ModelGuardError(`unknown wire type ${wire}`);
}

/**
 * Walks the protobuf (iteratively: no recursion for a hostile nesting to exhaust) and throws when any tensor,
 * in any graph, subgraph, function or training graph, is stored outside the model.
 */
export function assertSelfContained(bytes: Uint8Array): void {
  const stack: { kind: Kind; start: number; end: number }[] = [{ kind: 'model', start: 0, end: bytes.length }];
  try {
    while (stack.length > 0) {
      const { kind, start, end } = stack.pop()!;
      const r = new Reader(bytes, start, end);
      while (!r.done) {
        const tag = r.varint();
        const field = Math.floor(tag / 8);
        const wire = tag & 7;
        if (kind === 'tensor' && field === DATA_LOCATION && wire === 0 && r.varint() === EXTERNAL) throw new ModelGuardError('external');
        if (kind === 'tensor' && field === EXTERNAL_DATA && wire === 2) throw new ModelGuardError('external');
        if (kind === 'tensor' && field === DATA_LOCATION && wire === 0) continue;
        const child = CHILDREN[kind][field];
        if (child !== undefined && wire === 2) {
          const length = r.varint();
          stack.push({ kind: child, start: r.pos, end: r.pos + length });
          r.skip(length);
        } else {
          skipValue(r, field, wire);
        }
      }
    }
  } catch (err) {
    if (!(err instanceof ModelGuardError)) throw err;
    if (err.message === 'external') {
      throw new ModelGuardError('the model stores tensors in external data files; serve self-contained models (onnx.save_model(..., save_as_external_data=False))');
    }
    throw new ModelGuardError(`not a valid ONNX protobuf (${err.message})`);
  }
}
