// Checks a request against the model's signature and decodes its tensors, before anything reaches the runtime.
import { InvalidInputError } from '../errors.js';
import { decodeBinaryData } from './codec/binary-tensor.js';
import { decodeJsonData } from './codec/json-tensor.js';
import { DATATYPE_INFO, formatShape, shapeMatches, type Datatype, type ModelSignature, type Tensor } from './tensor.js';

/** One input as the protocol layer hands it over: JSON `data`, or the raw bytes of the binary extension. */
export interface InferInput {
  name: string;
  datatype: Datatype;
  shape: number[];
  data?: unknown;
  binary?: Buffer;
}

export interface RequestedOutput {
  name: string;
  /** Top-N classes instead of the raw tensor (classification extension). */
  classification?: number;
  /** Whether the protocol layer will write this output as binary (JSON can't carry FP16). */
  binary: boolean;
}

const list = (names: string[]): string => names.map((n) => `'${n}'`).join(', ');

/** Decodes every input, rejecting unknown, missing, duplicate, mistyped or misshapen ones with a 400. */
export function decodeInputs(signature: ModelSignature, inputs: readonly InferInput[]): Record<string, Tensor> {
  const expected = signature.inputs.map((s) => s.name);
  const out: Record<string, Tensor> = {};
  for (const input of inputs) {
    const spec = signature.inputs.find((s) => s.name === input.name);
    if (spec === undefined) throw new InvalidInputError(`unknown input '${input.name}'; the model expects ${list(expected)}`);
    if (Object.hasOwn(out, input.name)) throw new InvalidInputError(`input '${input.name}' given more than once`);
    if (input.datatype !== spec.datatype) {
      throw new InvalidInputError(`input '${input.name}': datatype ${input.datatype} does not match the model's ${spec.datatype}`);
    }
    if (!shapeMatches(spec.shape, input.shape)) {
      throw new InvalidInputError(`input '${input.name}': shape ${formatShape(input.shape)} does not match the model's ${formatShape(spec.shape)} (-1 is any size)`);
    }
    const hasData = input.data !== undefined;
    const hasBinary = input.binary !== undefined;
    if (hasData === hasBinary) {
      throw new InvalidInputError(`input '${input.name}': give exactly one of 'data' and parameters.binary_data_size`);
    }
    const data = hasBinary
      ? decodeBinaryData(input.name, input.datatype, input.shape, input.binary!)
      : decodeJsonData(input.name, input.datatype, input.shape, input.data);
    out[input.name] = { datatype: input.datatype, shape: input.shape, data };
  }
  const missing = expected.filter((n) => !Object.hasOwn(out, n));
  if (missing.length > 0) throw new InvalidInputError(`missing input${missing.length > 1 ? 's' : ''} ${list(missing)}`);
  return out;
}

/** The outputs to return, in order; all of the model's when none were named. */
export function resolveOutputs(signature: ModelSignature, requested: readonly RequestedOutput[] | undefined, binaryByDefault: boolean): readonly RequestedOutput[] {
  const outputs: readonly RequestedOutput[] = requested ?? signature.outputs.map((o) => ({ name: o.name, binary: binaryByDefault }));
  const seen = new Set<string>();
  for (const o of outputs) {
    const spec = signature.outputs.find((s) => s.name === o.name);
    if (spec === undefined) throw new InvalidInputError(`unknown output '${o.name}'; the model has ${list(signature.outputs.map((s) => s.name))}`);
    if (seen.has(o.name)) throw new InvalidInputError(`output '${o.name}' requested more than once`);
    seen.add(o.name);
    if (o.classification !== undefined && DATATYPE_INFO[spec.datatype].array === null) {
      throw new InvalidInputError(`output '${o.name}': classification needs a numeric output, not ${spec.datatype}`);
    }
    if (o.classification === undefined && !o.binary && spec.datatype === 'FP16') {
      throw new InvalidInputError(`output '${o.name}' is FP16, which JSON can't carry; request it with binary_data: true`);
    }
  }
  return outputs;
}
