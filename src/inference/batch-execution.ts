// One batch's run: merge the members' inputs, run once, split the outputs; members rerun alone when a merged run fails.
import { performance } from 'node:perf_hooks';
import { mergeInputs, splitOutputs } from './batch-merge.js';
import type { BatchEvent, BatchResult, RunFn } from './batch-types.js';
import type { Tensor } from './tensor.js';

/** A queued request as a run sees it. */
export interface BatchMember {
  readonly rows: number;
  readonly inputs: Record<string, Tensor>;
  readonly outputs: readonly string[];
  /** performance.now() ms when it was queued. */
  readonly enqueued: number;
  /** A member settled meanwhile (timed out) is skipped when members run alone. */
  readonly state: 'queued' | 'running' | 'settled';
  readonly warmup?: boolean;
}

/** Per member: its result, its own error, or null when it was skipped. */
export type MemberOutcome = { result: BatchResult } | { error: Error } | null;

export interface Execution {
  event: BatchEvent;
  outcomes: MemberOutcome[];
  /** The merged outputs did not split by rows: the model's first output dimension is not the batch. */
  contractBroken: boolean;
}

export const seconds = (fromMs: number, toMs: number): number => (toMs - fromMs) / 1000;

/** Runs the members as one merged run when there are several and it works, else each alone; never rejects. */
export async function executeBatch(members: readonly BatchMember[], run: RunFn): Promise<Execution> {
  const started = performance.now();
  const queueSeconds = members.map((m) => seconds(m.enqueued, started));
  const batchSize = members.reduce((n, m) => n + m.rows, 0);
  const event: BatchEvent = { requests: members.length, batchSize, queueSeconds, mergeSeconds: 0, computeSeconds: 0, splitSeconds: 0, fallback: false, warmup: members.every((m) => m.warmup === true) };
  let contractBroken = false;
  if (members.length > 1) {
    const merged = mergeInputs(members.map((m) => m.inputs));
    const ran = performance.now();
    let outputs: Record<string, Tensor> | null = null;
    const timing: { computeSeconds?: number } = {};
    try {
      // NOTE: merged arrays are fresh and referenced nowhere else, so a worker may take them without a copy.
      outputs = await run(merged, members[0].outputs, { transferInputs: true, timing });
    } catch {
      // NOTE: one member's bad values must not fail its batch-mates: each reruns alone and gets its own answer.
    }
    const computed = performance.now();
    const parts = outputs === null ? null : splitOutputs(outputs, members.map((m) => m.rows));
    contractBroken = outputs !== null && parts === null;
    const computeSeconds = outputs !== null && timing.computeSeconds !== undefined ? timing.computeSeconds : seconds(ran, computed);
    event.mergeSeconds = seconds(started, ran);
    event.computeSeconds = computeSeconds;
    event.splitSeconds = seconds(computed, performance.now());
    if (parts !== null) {
      const outcomes = members.map((_, i) => ({ result: { outputs: parts[i], queueSeconds: queueSeconds[i], computeSeconds, batchSize } }));
      return { event, outcomes, contractBroken };
    }
  }
  event.fallback = members.length > 1;
  const outcomes: MemberOutcome[] = [];
  for (let i = 0; i < members.length; i++) {
    const alone = await runAlone(members[i], queueSeconds[i], run);
    event.computeSeconds += alone.computeSeconds;
    outcomes.push(alone.outcome);
  }
  return { event, outcomes, contractBroken };
}

/** Runs one member by itself; a member that already timed out is skipped. */
async function runAlone(member: BatchMember, queueSeconds: number, run: RunFn): Promise<{ computeSeconds: number; outcome: MemberOutcome }> {
  if (member.state === 'settled') return { computeSeconds: 0, outcome: null };
  const ran = performance.now();
  const timing: { computeSeconds?: number } = {};
  try {
    const outputs = await run(member.inputs, member.outputs, { timing });
    const computeSeconds = timing.computeSeconds ?? seconds(ran, performance.now());
    return { computeSeconds, outcome: { result: { outputs, queueSeconds, computeSeconds, batchSize: member.rows } } };
  } catch (err) {
    return { computeSeconds: seconds(ran, performance.now()), outcome: { error: err as Error } };
  }
}
