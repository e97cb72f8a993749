// The benchmark's outputs: a markdown table with ratios to same-run baselines, the issue's targets, and an SVG chart.
import { readFileSync, writeFileSync } from 'node:fs';
import type { ComputePoint } from './compute-ceiling.js';
import type { Attribution } from './cost-attribution.js';
import type { InterleavedRuns } from './interleaved.js';
import type { LoadResult } from './loadgen.js';

/** One measurement with the server's CPU time around it (per request: every thread; of it, in the kernel). */
export interface Timed extends LoadResult {
  cpuUsPerRequest: number;
  /** Absent in older results. */
  sysUsPerRequest?: number;
  /** The machine's cross-CPU wake-up interrupts per request (bench/kernel-cost.ts); absent in older results. */
  wakeupsPerRequest?: number;
}

export interface Cell extends Timed {
  scenario: string;
  target: string;
  /** "c=64" for closed loop, "open 1234/s" for a fixed rate. */
  load: string;
  /** Throughputs of every round (the cell shows the best round). */
  rounds: number[];
  /** Open loop: the p99 of every round (the cell shows the round with the lowest). */
  p99Rounds?: number[];
}

/** Defaults against metrics and monitoring off, measured back to back in pairs (one entry per pair). */
export interface PairedRuns {
  /** side-by-side: both servers loaded at the same time on the same cores; back-to-back (older results): one after the other. */
  mode?: 'side-by-side' | 'back-to-back';
  onCpuUs: number[];
  offCpuUs: number[];
  onRps: number[];
  offRps: number[];
  /** A second server with the defaults in the same rounds (A/A control): how far identical processes differ. */
  twinCpuUs?: number[];
  twinRps?: number[];
  /** Requests each server had served before the rounds (the feedback store fills at --feedback-max-rows). */
  filledRequests?: number;
  /** The same price read from inside one defaults server: its CPU samples in the metrics and monitoring code. */
  profile?: ProfiledShares;
}

/** A perf profile's shares, after the server had served `filledRequests`; or why there is none. */
export type ProfiledShares = (Attribution & { filledRequests: number }) | { skipped: string };

export interface Target {
  name: string;
  measured: number;
  threshold: number;
  /** How the measured figure was formed, in words. */
  how: string;
  pass: boolean;
  /** Why the run can't judge this target (a baseline was disturbed); shown instead of pass or miss. */
  inconclusive?: string;
}

export interface BenchResults {
  startedAt: string;
  /** Load averages (1, 5, 15 min) when the run started and ended: other work on the machine skews every figure. */
  machine: { cpus: number; model: string; loadAverageBefore: number[]; loadAverageAfter: number[]; node: string; generator: string };
  settings: Record<string, unknown>;
  compute: Record<string, ComputePoint[]>;
  cells: Cell[];
  /** Per scenario: onnx-serve and its c=64 baselines measured in alternating slots, round by round (absent in older results). */
  interleaved?: Record<string, InterleavedRuns>;
  /** Per scenario: the paired on/off runs that price metrics and monitoring (absent in older results). */
  paired?: Record<string, PairedRuns>;
  targets: Target[];
}

const f = (n: number, digits = 0) => (Number.isFinite(n) ? n.toFixed(digits) : '—');

export function findCell(cells: readonly Cell[], scenario: string, target: string, load: string): Cell | undefined {
  return cells.find((c) => c.scenario === scenario && c.target === target && c.load === load);
}

/** Markdown: one row per measurement, with its throughput as a ratio of each baseline at the same load. */
export function renderTable(results: BenchResults): string {
  const lines = [
    '| scenario | target | load | req/s | p50 ms | p99 ms | errors | CPU µs/req (kernel) | wake-ups/req | × HTTP ceiling | × naive |',
    '|---|---|---|--:|--:|--:|--:|--:|--:|--:|--:|',
  ];
  for (const c of results.cells) {
    const ceiling = findCell(results.cells, c.scenario, 'http-ceiling', c.load);
    const naive = findCell(results.cells, c.scenario, 'naive', c.load);
    const ratio = (base: Cell | undefined) => (base === undefined || base === c ? '' : f(c.throughput / base.throughput, 2));
    lines.push(`| ${c.scenario} | ${c.target} | ${c.load} | ${f(c.throughput)} | ${f(c.p50Ms, 2)} | ${f(c.p99Ms, 2)} | ${c.errors} | ${f(c.cpuUsPerRequest)}${c.sysUsPerRequest === undefined ? '' : ` (${f(c.sysUsPerRequest)})`} | ${f(c.wakeupsPerRequest ?? NaN, 2)} | ${ratio(ceiling)} | ${ratio(naive)} |`);
  }
  const compute = Object.entries(results.compute).map(([model, points]) => {
    const best = points.reduce((a, b) => (b.rowsPerSecond > a.rowsPerSecond ? b : a));
    return `| ${model} | ${f(points[0].rowsPerSecond)} | ${best.batch} | ${f(best.rowsPerSecond)} | ${f(best.rowsPerSecond / points[0].rowsPerSecond, 1)} |`;
  });
  const targets = results.targets.map((t) => `| ${t.name} | ${f(t.measured, 2)} | ${t.threshold === 0 ? '—' : `≥ ${f(t.threshold, 2)}`} | ${t.inconclusive !== undefined ? 'inconclusive' : t.pass ? 'pass' : '**miss**'} | ${t.how}${t.inconclusive === undefined ? '' : `; inconclusive: ${t.inconclusive}`} |`);
  return [
    '**Targets** (ratios within this run)',
    '',
    '| target | measured | needed | result | how |',
    '|---|--:|--:|---|---|',
    ...targets,
    '',
    '**Compute ceiling** (onnxruntime-node in-process, no HTTP; rows/s)',
    '',
    '| model | batch 1 | best batch | rows/s at best | gain |',
    '|---|--:|--:|--:|--:|',
    ...compute,
    '',
    '**All measurements** (best of the interleaved rounds; latency in ms)',
    '',
    ...lines,
  ].join('\n');
}

const esc = (s: string) => s.replace(/&/g, '&amp;').replace(/</g, '&lt;');

/** Horizontal bars of throughput per (scenario, load), one bar per target, log-free and dependency-free. */
export function renderChart(results: BenchResults): string {
  const groups = new Map<string, Cell[]>();
  for (const c of results.cells) {
    const key = `${c.scenario} · ${c.load}`;
    groups.set(key, [...(groups.get(key) ?? []), c]);
  }
  const colors: Record<string, string> = { 'onnx-serve': '#2b6cb0', 'http-ceiling': '#a0aec0', naive: '#dd6b20' };
  const palette = ['#38a169', '#805ad5', '#d53f8c', '#319795'];
  const colorOf = (target: string) => (colors[target] ??= palette[Object.keys(colors).length % palette.length]);
  const bar = 14;
  const left = 190;
  const width = 900;
  let y = 40;
  const parts: string[] = [];
  for (const [key, cells] of groups) {
    const max = Math.max(...cells.map((c) => c.throughput));
    parts.push(`<text x="8" y="${y + 11}" font-size="12" font-weight="bold">${esc(key)}</text>`);
    y += 16;
    for (const c of cells) {
      const w = max === 0 ? 0 : ((width - left - 120) * c.throughput) / max;
      parts.push(`<text x="16" y="${y + 11}" font-size="11">${esc(c.target)}</text>`);
      parts.push(`<rect x="${left}" y="${y}" width="${w.toFixed(1)}" height="${bar - 2}" fill="${colorOf(c.target)}"/>`);
      parts.push(`<text x="${(left + w + 6).toFixed(1)}" y="${y + 11}" font-size="11">${f(c.throughput)} req/s · p99 ${f(c.p99Ms, 1)} ms</text>`);
      y += bar;
    }
    y += 10;
  }
  const title = `onnx-serve benchmark, ${results.startedAt} (${results.machine.cpus} CPUs; bars scaled per group)`;
  return `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${y + 10}" font-family="sans-serif">
<rect width="100%" height="100%" fill="white"/>
<text x="8" y="22" font-size="14" font-weight="bold">${esc(title)}</text>
${parts.join('\n')}
</svg>
`;
}

const README_START = '<!-- bench:start (written by npm run bench) -->';
const README_END = '<!-- bench:end -->';
const HISTORY_START = '<!-- bench-history:start (written by npm run bench) -->';
const HISTORY_END = '<!-- bench-history:end -->';

/** `text` with what lies between its `start` and `end` markers replaced by `body`. */
function between(text: string, start: string, end: string, body: string): string {
  const from = text.indexOf(start);
  const to = text.indexOf(end);
  if (from === -1 || to < from) throw new Error(`README.md lacks the ${start} … ${end} markers`);
  return `${text.slice(0, from + start.length)}\n${body}${text.slice(to)}`;
}

/**
 * Puts the latest table and chart, and the table of every run's targets, between the README's markers (a full
 * run only).
 */
export function updateReadme(path: string, results: BenchResults, table: string, history: string): void {
  const m = results.machine;
  const load = (l: number[]) => l.map((x) => x.toFixed(1)).join(' / ');
  const header = `Run of ${results.startedAt}: ${m.cpus} × ${m.model}, Node ${m.node}, load average ${load(m.loadAverageBefore)} at the start and ${load(m.loadAverageAfter)} at the end; ${m.generator}.`;
  const latest = between(readFileSync(path, 'utf8'), README_START, README_END, `${header}\n\n${table}\n\n![benchmark chart](bench/results/latest.svg)\n`);
  writeFileSync(path, between(latest, HISTORY_START, HISTORY_END, `${history}\n`));
}
