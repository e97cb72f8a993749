// Which queued requests form the next batch: a pure function over (key, rows) pairs, table-tested.

export interface Queued {
  /** Requests merge only with others of the same key (see batchKey); null never merges. */
  key: string | null;
  rows: number;
}

export interface BatchPolicy {
  /** Most rows in one run; the head request runs even when it alone is larger. */
  maxBatchSize: number;
  /** Sizes to prefer when the queue holds more rows than one of them (largest reachable wins). */
  preferredBatchSizes: readonly number[];
}

export interface Selection {
  /** Queue positions of the members, in queue order (the head is always first). */
  members: number[];
  rows: number;
  /** True when waiting could not make this batch better: max size or a preferred size reached, or the next one won't fit. */
  full: boolean;
}

/**
 * Takes the head and, in queue order, every later request with its key while the rows fit; requests of other
 * keys keep their places. With preferred sizes, stops at the largest preferred size the prefix reaches.
 */
export function selectBatch(queue: readonly Queued[], policy: BatchPolicy): Selection | null {
  if (queue.length === 0) return null;
  const head = queue[0];
  const members = [0];
  const cumulative = [head.rows];
  let rows = head.rows;
  let full = rows >= policy.maxBatchSize || head.key === null;
  for (let i = 1; i < queue.length && !full; i++) {
    const q = queue[i];
    if (q.key !== head.key) continue;
    if (rows + q.rows > policy.maxBatchSize) {
      full = true;
      break;
    }
    rows += q.rows;
    members.push(i);
    cumulative.push(rows);
    if (rows === policy.maxBatchSize) full = true;
  }
  if (policy.preferredBatchSizes.length > 0) {
    for (let k = cumulative.length - 1; k >= 0; k--) {
      if (!policy.preferredBatchSizes.includes(cumulative[k])) continue;
      return { members: members.slice(0, k + 1), rows: cumulative[k], full: true };
    }
  }
  return { members, rows, full };
}
