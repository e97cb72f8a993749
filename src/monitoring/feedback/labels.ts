// Ground-truth values from feedback items: class names or indices (classification), numbers (regression).
import type { TargetPlan } from '../monitor-plan.js';

export type LabelValue = string | number;

/** A class index for a label, or an error message. Names resolve through model.yaml's labels; integers are indices. */
export function classOfLabel(label: LabelValue, target: TargetPlan): number | string {
  let index: number;
  if (typeof label === 'string') {
    const named = target.labels?.indexOf(label) ?? -1;
    if (named >= 0) return named;
    if (!/^(0|[1-9][0-9]{0,8})$/.test(label)) {
      return target.labels === undefined ? `label '${label.slice(0, 64)}' is not a class index (model.yaml names no labels)` : `unknown class '${label.slice(0, 64)}'`;
    }
    index = Number(label);
  } else {
    if (!Number.isInteger(label) || label < 0) return `label ${label} is not a class index`;
    index = label;
  }
  if (target.classes !== undefined && index >= target.classes) return `class ${index} is out of range (the model has ${target.classes})`;
  return index;
}

/** One ground-truth number per stored row, or an error message naming what is wrong. */
export function groundTruth(item: { label?: LabelValue | LabelValue[]; value?: number | number[] }, target: TargetPlan, rows: number): number[] | string {
  const given = target.task === 'classification' ? item.label : item.value;
  if (given === undefined) {
    return target.task === 'classification' ? `'${target.output}' is a classification output: give "label"` : `'${target.output}' is a regression output: give "value"`;
  }
  const list: LabelValue[] = Array.isArray(given) ? given : [given];
  if (list.length !== rows) return `the prediction has ${rows} row${rows === 1 ? '' : 's'}, the feedback ${list.length}`;
  const out: number[] = [];
  for (const v of list) {
    if (target.task === 'regression') {
      if (typeof v !== 'number' || !Number.isFinite(v)) return `value ${JSON.stringify(v)} is not a finite number`;
      out.push(v);
      continue;
    }
    const c = classOfLabel(v, target);
    if (typeof c === 'string') return c;
    out.push(c);
  }
  return out;
}
