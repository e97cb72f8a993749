// `onnx-serve profile`'s core: maps a data set's columns to a model's inputs, runs the model, builds the profile.
import type { InferenceBackend } from '../../inference/backend.js';
import { DATATYPE_INFO, type Tensor, type TensorSpec } from '../../inference/tensor.js';
import { labelsFor, type ModelConfig } from '../../repository/model-config.js';
import { declaredFeatures, type FeatureMapping } from '../../repository/monitoring-config.js';
import type { UnhashedProfile } from '../../repository/profile-file.js';
import { classOfLabel } from '../feedback/labels.js';
import { planMonitoring, type TargetPlan } from '../monitor-plan.js';
import { classAt, classReaderFor, declaredRowWidth, numberAt, rowWidth, valueKind } from '../tensor-values.js';
import { buildProfile, classificationPerformance, regressionPerformance, type CategoryValue, type OutputColumn } from './build-profile.js';
import { toNumber, type Dataset } from './dataset.js';

export interface ProfileModelOptions {
  config: ModelConfig;
  backend: InferenceBackend;
  data: Dataset;
  /** Labelled rows for the reference performance; the reference data itself when absent. */
  validation?: Dataset;
  /** Column with the true class (or value): enables the reference accuracy (or MAE/RMSE). */
  labelColumn?: string;
  bins?: number;
  topK?: number;
  batchSize?: number;
  source?: string;
}

/** model.yaml's monitoring.inputs, else: a single input takes every non-label column in order. */
function featureMapping(config: ModelConfig, inputs: readonly TensorSpec[], data: Dataset, labelColumn?: string): FeatureMapping[] {
  const declared = declaredFeatures(config.monitoring);
  if (declared !== undefined) return declared;
  if (inputs.length !== 1) throw new Error(`the model has ${inputs.length} inputs: declare which columns feed which in model.yaml (monitoring.inputs)`);
  const [spec] = inputs;
  const type = spec.datatype === 'BYTES' ? 'categorical' : 'numeric';
  return data.columns.filter((c) => c !== labelColumn).map((name, column) => ({ name, input: spec.name, column, type }));
}

function checkMapping(mapping: FeatureMapping[], inputs: readonly TensorSpec[], data: Dataset): void {
  for (const f of mapping) if (!data.values.has(f.name)) throw new Error(`feature '${f.name}' is not a column of the data set (columns: ${data.columns.join(', ')})`);
  for (const spec of inputs) {
    const columns = mapping.filter((f) => f.input === spec.name).map((f) => f.column).sort((a, b) => a - b);
    const width = declaredRowWidth(spec) ?? columns.length;
    if (spec.shape.length > 2 || spec.shape.length === 0) throw new Error(`input '${spec.name}' has shape ${JSON.stringify(spec.shape)}; profiles need [batch] or [batch, n] inputs`);
    if (spec.datatype === 'FP16') throw new Error(`input '${spec.name}' is FP16, which the profile command cannot feed`);
    if (columns.length !== width || columns.some((c, i) => c !== i)) {
      throw new Error(`input '${spec.name}' takes ${width} value(s) per row but the mapping gives columns [${columns.join(', ')}]; declare monitoring.inputs in model.yaml`);
    }
  }
}

/** Rows [from, to) of the data set as the model's input tensors, in its own datatypes. */
function inputTensors(specs: readonly TensorSpec[], mapping: FeatureMapping[], data: Dataset, from: number, to: number): Record<string, Tensor> {
  const out: Record<string, Tensor> = {};
  const rows = to - from;
  for (const spec of specs) {
    const features = mapping.filter((f) => f.input === spec.name).sort((a, b) => a.column - b.column);
    const width = features.length;
    const info = DATATYPE_INFO[spec.datatype];
    const buffer: Tensor['data'] = info.array === null ? new Array<string>(rows * width) : new info.array(rows * width);
    const integers = info.kind === 'bigint' || info.kind === 'int' || info.kind === 'bool';
    features.forEach((f, c) => {
      const column = data.values.get(f.name)!;
      for (let r = from; r < to; r++) {
        const i = (r - from) * width + c;
        if (info.array === null) {
          (buffer as string[])[i] = column[r] === null ? '' : String(column[r]);
          continue;
        }
        const n = toNumber(column[r], f.name, r);
        if (integers && !Number.isInteger(n)) throw new Error(`column '${f.name}', row ${r + 1}: input '${spec.name}' is ${spec.datatype} and needs integers, got ${column[r]}`);
        (buffer as unknown as unknown[])[i] = info.kind === 'bigint' ? BigInt(n) : n;
      }
    });
    out[spec.name] = { datatype: spec.datatype, shape: spec.shape.length === 1 ? [rows] : [rows, width], data: buffer };
  }
  return out;
}

interface Outcome {
  /** Feature values as the model saw them (after conversion to its datatypes). */
  features: Map<string, (number | string)[]>;
  outputs: Map<string, number[]>;
}

async function runOver(opts: ProfileModelOptions, data: Dataset, mapping: FeatureMapping[], watched: Map<string, { reader?: TargetPlan['reader']; classes?: number }>): Promise<Outcome> {
  const { backend } = opts;
  const result: Outcome = { features: new Map(mapping.map((f) => [f.name, []])), outputs: new Map([...watched.keys()].map((o) => [o, []])) };
  const batch = opts.batchSize ?? 256;
  for (let from = 0; from < data.rows; from += batch) {
    const to = Math.min(from + batch, data.rows);
    const inputs = inputTensors(backend.signature.inputs, mapping, data, from, to);
    for (const f of mapping) {
      const t = inputs[f.input];
      const kind = valueKind(t.datatype);
      const width = rowWidth(t);
      for (let r = 0; r < to - from; r++) result.features.get(f.name)!.push(kind === 'string' ? (t.data as string[])[r * width + f.column] : numberAt(t.data, kind, r * width + f.column));
    }
    if (watched.size === 0) continue; // NOTE: nothing to watch on the output side; no need to run the model
    const outputs = await backend.run(inputs, [...watched.keys()]);
    for (const [name, how] of watched) {
      const t = outputs[name];
      const kind = valueKind(t.datatype);
      const width = rowWidth(t);
      for (let r = 0; r < to - from; r++) result.outputs.get(name)!.push(how.reader === undefined ? numberAt(t.data, kind, r * width) : classAt(t.data, kind, how.reader, r, width, how.classes));
    }
  }
  return result;
}

/** Runs the model over the reference data (and the validation data) and returns the profile to write. */
export async function profileModel(opts: ProfileModelOptions): Promise<UnhashedProfile> {
  const { config, backend, data } = opts;
  const signature = backend.signature;
  const mapping = featureMapping(config, signature.inputs, data, opts.labelColumn);
  checkMapping(mapping, signature.inputs, data);
  const plan = planMonitoring({ config, signature, profile: null });
  const target = plan?.target ?? null;
  const declared = config.monitoring.outputs ?? (target === null ? {} : { [target.output]: target.task === 'classification' ? 'classes' : 'numeric' });
  const watched = new Map<string, { reader?: TargetPlan['reader']; classes?: number }>();
  for (const [name, type] of Object.entries(declared)) {
    const spec = signature.outputs.find((s) => s.name === name);
    if (spec === undefined) throw new Error(`model.yaml watches output '${name}', which the model does not have`);
    const reader = type === 'classes' ? classReaderFor(spec) : undefined;
    if (reader !== undefined && !['argmax', 'threshold', 'index'].includes(reader)) throw new Error(reader);
    watched.set(name, { reader: reader as TargetPlan['reader'], classes: name === target?.output ? target.classes : undefined });
  }
  if (target !== null && !watched.has(target.output)) watched.set(target.output, { reader: target.reader, classes: target.classes });
  const reference = await runOver(opts, data, mapping, watched);

  const outputs: OutputColumn[] = Object.entries(declared).map(([name, type]) => {
    const values = reference.outputs.get(name)!;
    if (type === 'numeric') return { name, type, values };
    const spec = signature.outputs.find((s) => s.name === name)!;
    const known = watched.get(name)!.classes ?? (classReaderFor(spec) === 'argmax' ? declaredRowWidth(spec) : labelsFor(config, name)?.length);
    return { name, type: 'classes', classes: known ?? Math.max(1, ...values.map((v) => v + 1)), values };
  });

  let performance: UnhashedProfile['performance'];
  if (opts.labelColumn !== undefined) {
    if (target === null) throw new Error(`no output to compare labels with: ${plan?.notes.join('; ') ?? 'monitoring is disabled in model.yaml'}`);
    const labelled = opts.validation ?? data;
    const labels = labelled.values.get(opts.labelColumn);
    if (labels === undefined) throw new Error(`label column '${opts.labelColumn}' is not in the ${opts.validation === undefined ? 'reference' : 'validation'} data`);
    const predicted = opts.validation === undefined ? reference.outputs.get(target.output)! : (await runOver(opts, labelled, mapping, new Map([[target.output, watched.get(target.output)!]]))).outputs.get(target.output)!;
    const actual = labels.map((v, r) => {
      if (v === null || v === '') throw new Error(`label column '${opts.labelColumn}', row ${r + 1} is empty`);
      if (target.task === 'regression') return toNumber(v, opts.labelColumn!, r);
      const c = classOfLabel(typeof v === 'string' ? v.trim() : v, target);
      if (typeof c === 'string') throw new Error(`label column '${opts.labelColumn}', row ${r + 1}: ${c}`);
      return c;
    });
    performance = target.task === 'classification' ? classificationPerformance(target.output, predicted, actual) : regressionPerformance(target.output, predicted, actual);
  }

  return buildProfile({
    rows: data.rows,
    source: opts.source,
    features: mapping.map((f) => ({ ...f, values: f.type === 'numeric' ? (reference.features.get(f.name) as number[]) : (reference.features.get(f.name) as CategoryValue[]) })),
    outputs,
    performance,
    bins: opts.bins,
    topK: opts.topK,
  });
}
