// Warm-up: one run with zero-filled inputs so the first real request does not pay for memory planning.
import type { InferenceBackend } from './backend.js';
import { DATATYPE_INFO, elementCount, type Tensor } from './tensor.js';

/** A declared shape with each dynamic dimension (-1) set to `dynamicSize`. */
export const concreteShape = (shape: readonly number[], dynamicSize = 1): number[] => shape.map((d) => (d === -1 ? dynamicSize : d));

/** Zero inputs shaped like the signature, each dynamic dimension set to `dynamicSize`. */
export function zeroInputs(backend: InferenceBackend, dynamicSize = 1): Record<string, Tensor> {
  const inputs: Record<string, Tensor> = {};
  for (const spec of backend.signature.inputs) {
    const shape = concreteShape(spec.shape, dynamicSize);
    const count = elementCount(shape);
    const ctor = DATATYPE_INFO[spec.datatype].array;
    inputs[spec.name] = { datatype: spec.datatype, shape, data: ctor === null ? new Array<string>(count).fill('') : new ctor(count) };
  }
  return inputs;
}

/** Runs the model once; a model that cannot run on zeros of its own declared shape fails here, not on traffic. */
export async function warmUp(backend: InferenceBackend): Promise<void> {
  await backend.run(zeroInputs(backend));
}
