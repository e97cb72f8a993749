// Every full run's verdicts, kept in bench/results/history.json and shown in README as one table, run by run:
// on a shared machine one run says little, the spread of runs says how far a target is from its line.
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import type { BenchResults } from './report.js';

/** The eight targets, in the order the table shows them; `match` finds one by its name in any run. */
export const TARGET_COLUMNS = [
  { key: 'iris-c64', heading: 'iris c=64 ÷ HTTP (≥ 0.85)', match: /^iris JSON c=64 vs HTTP ceiling/ },
  { key: 'mlp-naive', heading: 'MLP c=64 ÷ naive (≥ 2.5)', match: /^MLP JSON c=64 vs naive/ },
  { key: 'mlp-min', heading: 'MLP c=64 ÷ min(HTTP, compute) (≥ 0.6)', match: /^MLP JSON c=64 vs min\(HTTP, compute\)/ },
  { key: 'iris-open', heading: 'iris open loop (≥ 1)', match: /^iris-json open loop/ },
  { key: 'mlp-open', heading: 'MLP open loop (≥ 1)', match: /^mlp-json open loop/ },
  { key: 'binary', heading: 'binary ÷ JSON (≥ 3)', match: /binary vs JSON/ },
  { key: 'iris-price', heading: 'iris price (≥ 0.95)', match: /^iris-json c=64 metrics/ },
  { key: 'mlp-price', heading: 'MLP price (≥ 0.95)', match: /^mlp-json c=64 metrics/ },
] as const;

export type TargetKey = (typeof TARGET_COLUMNS)[number]['key'];

export interface RunVerdict {
  measured: number;
  pass: boolean;
  /** The run could not judge it (a disturbed baseline); counted neither as pass nor as miss. */
  inconclusive?: boolean;
}

export interface RunSummary {
  /** Letter the README's prose calls the run by (A, B, …, Z, AA, …). */
  label: string;
  startedAt: string;
  /** The commit the measured code was built from, with "+" when the working tree had changes beside it. */
  commit?: string;
  machine: string;
  /** 1-minute load average at the start and at the end (older results recorded one, at the start). */
  load: [number, number | null];
  targets: Partial<Record<TargetKey, RunVerdict>>;
}

export const targetKey = (name: string): TargetKey | undefined => TARGET_COLUMNS.find((c) => c.match.test(name))?.key;

/** The label after `label`: A → B, Z → AA, AZ → BA. */
export function nextLabel(label: string | undefined): string {
  if (label === undefined || !/^[A-Z]+$/.test(label)) return 'A';
  const digits = [...label].map((ch) => ch.charCodeAt(0) - 64);
  let i = digits.length - 1;
  while (i >= 0 && digits[i] === 26) digits[i--] = 1;
  if (i < 0) digits.unshift(1);
  else digits[i]++;
  return digits.map((d) => String.fromCharCode(64 + d)).join('');
}

/** One run's verdicts; the label is given by `record` unless the run already has one. */
export function summarize(results: BenchResults, commit?: string, label = ''): RunSummary {
  const targets: RunSummary['targets'] = {};
  for (const t of results.targets) {
    const key = targetKey(t.name);
    if (key !== undefined) targets[key] = { measured: t.measured, pass: t.pass, ...(t.inconclusive === undefined ? {} : { inconclusive: true }) };
  }
  // NOTE: results written before the load was taken at both ends have one `loadAverage`, taken at the start.
  const m = results.machine as BenchResults['machine'] & { loadAverage?: number[] };
  const before = (m.loadAverageBefore ?? m.loadAverage)?.[0] ?? NaN;
  return { label, startedAt: results.startedAt, commit, machine: `${m.cpus} × ${m.model}`, load: [before, m.loadAverageAfter?.[0] ?? null], targets };
}

export function readHistory(file: string): RunSummary[] {
  return existsSync(file) ? (JSON.parse(readFileSync(file, 'utf8')) as RunSummary[]) : [];
}

/**
 * Adds `run` to the history in `file`, or replaces the run with the same start (a re-render keeps its label and
 * commit); a new run gets the label after the latest one's. Returns the history, oldest first.
 */
export function record(file: string, run: RunSummary): RunSummary[] {
  const runs = readHistory(file);
  const same = runs.findIndex((r) => r.startedAt === run.startedAt);
  if (same !== -1) runs[same] = { ...run, label: runs[same].label, commit: runs[same].commit ?? run.commit };
  else runs.push({ ...run, label: run.label || nextLabel(runs.at(-1)?.label) });
  runs.sort((a, b) => a.startedAt.localeCompare(b.startedAt));
  writeFileSync(file, `${JSON.stringify(runs, null, 2)}\n`);
  return runs;
}

const cellOf = (key: TargetKey, v: RunVerdict | undefined): string => {
  if (v === undefined || !Number.isFinite(v.measured)) return '—';
  const figure = key === 'binary' ? `${v.measured.toFixed(0)}×` : v.measured.toFixed(2);
  if (v.inconclusive) return `${figure} (?)`;
  return v.pass ? figure : `**${figure}**`;
};

/** Markdown, newest run first, the last `limit` runs: each target's figure, misses in bold, and the count met. */
export function renderHistory(runs: readonly RunSummary[], limit = 12): string {
  const lines = [
    `| run | started (UTC) | commit | load | ${TARGET_COLUMNS.map((c) => c.heading).join(' | ')} | met |`,
    `|---|---|---|--:|${TARGET_COLUMNS.map(() => '--:').join('|')}|--:|`,
  ];
  for (const r of [...runs].reverse().slice(0, limit)) {
    const verdicts = TARGET_COLUMNS.map((c) => r.targets[c.key]);
    const met = verdicts.filter((v) => v?.pass === true && !v.inconclusive).length;
    const judged = verdicts.filter((v) => v !== undefined && !v.inconclusive).length;
    const started = r.startedAt.replace('T', ' ').slice(0, 16);
    const load = r.load[1] === null ? r.load[0].toFixed(1) : `${r.load[0].toFixed(1)} → ${r.load[1].toFixed(1)}`;
    lines.push(`| ${r.label || '·'} | ${started} | ${r.commit ?? ''} | ${load} | ${TARGET_COLUMNS.map((c, i) => cellOf(c.key, verdicts[i])).join(' | ')} | ${met} of ${judged} |`);
  }
  return lines.join('\n');
}
