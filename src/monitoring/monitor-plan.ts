// Resolves what to watch for one model version: model.yaml's monitoring section, its profile.json, its signature.
import type { ModelSignature, TensorSpec } from '../inference/tensor.js';
import { labelsFor, type ModelConfig } from '../repository/model-config.js';
import { declaredFeatures, type FeatureMapping } from '../repository/monitoring-config.js';
import type { Profile, ProfileFeature, ProfileOutput, ProfilePerformance } from '../schemas/profile.js';
import { CategoricalBinner, NumericBinner } from './drift/binning.js';
import { classReaderFor, declaredRowWidth, valueKind, type ClassReader, type ValueKind } from './tensor-values.js';

/** One watched distribution: where its values come from, how they are binned, and the reference to compare with. */
export interface WatchPlan {
  name: string;
  /** Input tensor (features) or output tensor (predictions). */
  tensor: string;
  column: number;
  type: 'numeric' | 'categorical' | 'classes';
  kind: ValueKind;
  numeric?: NumericBinner;
  categorical?: CategoricalBinner;
  /** For classes: how a row becomes a class, and how many classes there are. */
  reader?: ClassReader;
  classes?: number;
  /** Reference share per slot, missing values included (sums to 1). */
  reference: Float64Array;
}

export interface TargetPlan {
  output: string;
  task: 'classification' | 'regression';
  kind: ValueKind;
  /** Classification: how rows become classes; regression reads the row's single value. */
  reader?: ClassReader;
  /** Known number of classes (from the profile, the output's width or the labels); per-class counters need it. */
  classes?: number;
  labels?: readonly string[];
}

export interface MonitorPlan {
  features: WatchPlan[];
  outputs: WatchPlan[];
  /** Null when drift is not watched (see `notes`). */
  drift: boolean;
  target: TargetPlan | null;
  performance?: ProfilePerformance;
  profileHash?: string;
  /** Why something is not watched: shown by the monitoring endpoint and logged at load. */
  notes: string[];
}

export interface PlanSource {
  config: ModelConfig;
  signature: ModelSignature;
  profile: Profile | null;
  profileError?: string;
}

export const NO_PROFILE = 'no profile.json: drift is not watched';

function reference(stats: ProfileFeature | ProfileOutput): Float64Array {
  if (stats.type === 'classes') return Float64Array.from(stats.proportions);
  const present = 1 - stats.missingRate;
  return Float64Array.from([...stats.proportions.map((p) => p * present), stats.missingRate]);
}

function watch(stats: ProfileFeature | ProfileOutput, spec: TensorSpec, column: number): WatchPlan | string {
  const base = { name: stats.name, tensor: spec.name, column, kind: valueKind(spec.datatype) };
  const width = declaredRowWidth(spec);
  if (width !== undefined && column >= width) return `'${stats.name}' reads column ${column} of '${spec.name}', which has ${width} per row`;
  try {
    if (stats.type === 'numeric') {
      if (base.kind === 'string') return `numeric '${stats.name}' reads '${spec.name}', which holds strings`;
      return { ...base, type: 'numeric', numeric: new NumericBinner(stats.min, stats.max, stats.edges), reference: reference(stats) };
    }
    if (stats.type === 'categorical') return { ...base, type: 'categorical', categorical: new CategoricalBinner(stats.categories), reference: reference(stats) };
  } catch (err) {
    return `'${stats.name}': ${(err as Error).message}`;
  }
  const reader = classReaderFor(spec);
  if (!['argmax', 'threshold', 'index'].includes(reader)) return reader;
  const scores = reader === 'argmax' ? width : reader === 'threshold' ? 2 : stats.classes;
  if (scores !== stats.classes) return `output '${spec.name}' gives ${scores} classes per row, profile.json ${stats.classes}`;
  return { ...base, column: 0, type: 'classes', reader: reader as ClassReader, classes: stats.classes, reference: reference(stats) };
}

const sameMapping = (a: FeatureMapping, b: ProfileFeature) => a.name === b.name && a.input === b.input && a.column === b.column && a.type === b.type;

/** Features and prediction outputs to watch, or the reason drift is off. */
function planDrift(source: PlanSource, notes: string[]): Pick<MonitorPlan, 'features' | 'outputs' | 'drift'> {
  const off = { features: [], outputs: [], drift: false };
  const { profile, config, signature } = source;
  if (profile === null) {
    notes.push(source.profileError ?? NO_PROFILE);
    return off;
  }
  const declared = declaredFeatures(config.monitoring);
  if (declared !== undefined && (declared.length !== profile.features.length || declared.some((d, i) => !sameMapping(d, profile.features[i])))) {
    notes.push('profile.json was built for other features than model.yaml declares (monitoring.inputs); rebuild it with onnx-serve profile');
    return off;
  }
  const declaredOutputs = config.monitoring.outputs;
  for (const [name, type] of Object.entries(declaredOutputs ?? {})) {
    if (!profile.outputs.some((o) => o.name === name && o.type === type)) notes.push(`output '${name}' (${type}) is not in profile.json; its predictions are not compared`);
  }
  const features: WatchPlan[] = [];
  const outputs: WatchPlan[] = [];
  const sources = [
    ...profile.features.map((f) => ({ stats: f, into: features, spec: signature.inputs.find((s) => s.name === f.input), tensor: `input '${f.input}'`, column: f.column })),
    ...profile.outputs.map((o) => ({ stats: o, into: outputs, spec: signature.outputs.find((s) => s.name === o.name), tensor: `output '${o.name}'`, column: 0 })),
  ];
  for (const { stats, into, spec, tensor, column } of sources) {
    const plan = spec === undefined ? `profile.json names ${tensor}, which the model does not have` : watch(stats, spec, column);
    if (typeof plan === 'string') {
      notes.push(`${plan}; drift is not watched`);
      return off;
    }
    into.push(plan);
  }
  return { features, outputs, drift: true };
}

/** The output feedback is compared with, and how to read it; null (with a note) when none fits. */
function planTarget(source: PlanSource, notes: string[]): TargetPlan | null {
  const { config, signature, profile } = source;
  const name = config.monitoring.target ?? profile?.performance?.output ?? Object.keys(config.monitoring.outputs ?? {})[0] ?? profile?.outputs[0]?.name ?? signature.outputs[0]?.name;
  const spec = signature.outputs.find((s) => s.name === name);
  if (spec === undefined) {
    notes.push(`target output '${name}' is not an output of the model: feedback is not accepted`);
    return null;
  }
  const inProfile = profile?.outputs.find((o) => o.name === name);
  const reader = classReaderFor(spec);
  const declared = config.monitoring.outputs?.[name] ?? inProfile?.type;
  const task = profile?.performance?.output === name ? profile.performance.task : declared === undefined ? (reader === 'argmax' || reader === 'index' ? 'classification' : 'regression') : declared === 'classes' ? 'classification' : 'regression';
  const kind = valueKind(spec.datatype);
  if (task === 'regression') {
    const width = declaredRowWidth(spec);
    const problem = kind === 'string' ? 'holds strings' : width === undefined ? `has a dynamic row width ${JSON.stringify(spec.shape)}` : width !== 1 ? 'needs one number per row for regression' : '';
    if (problem !== '') {
      notes.push(`target output '${name}' ${problem}: feedback is not accepted`);
      return null;
    }
    return { output: name, task, kind };
  }
  if (!['argmax', 'threshold', 'index'].includes(reader)) {
    notes.push(`${reader}: feedback is not accepted`);
    return null;
  }
  const labels = labelsFor(config, name);
  const width = declaredRowWidth(spec);
  const classes = inProfile?.type === 'classes' ? inProfile.classes : reader === 'argmax' ? width : reader === 'threshold' ? 2 : labels?.length;
  return { output: name, task, kind, reader: reader as ClassReader, classes, labels };
}

export function planMonitoring(source: PlanSource): MonitorPlan | null {
  if (!source.config.monitoring.enabled) return null;
  const notes: string[] = [];
  const drift = planDrift(source, notes);
  const target = planTarget(source, notes);
  const performance = source.profile?.performance;
  if (performance !== undefined && performance.output !== target?.output) notes.push(`the reference performance is for output '${performance.output}', not the target`);
  return { ...drift, target, performance: performance?.output === target?.output ? performance : undefined, profileHash: source.profile?.hash, notes };
}
