// What one repository poll should do, from the previous snapshot and this one (pure; table-tested).

export interface VersionSnapshot {
  fingerprint: string;
  /** A manifest is present and the files match it: complete without waiting for a second poll. */
  manifestComplete: boolean;
}

export interface ModelSnapshot {
  configHash: string;
  versions: ReadonlyMap<number, VersionSnapshot>;
}

/** The repository as one poll saw it, by model name. */
export type RepositorySnapshot = ReadonlyMap<string, ModelSnapshot>;

export interface PollActions {
  /** Models to bring in line with the disk, each with the versions still being written (not to be loaded yet). */
  load: { name: string; skip: Set<number> }[];
  /** Models whose directory is gone. */
  unload: string[];
  /** The settled state of each model after these actions, to pass as `applied` next time. */
  applied: Map<string, string>;
}

/** The state a model settles into: model.yaml and the complete versions with their fingerprints. */
function settledKey(model: ModelSnapshot, complete: readonly number[]): string {
  return [model.configHash, ...complete.map((v) => `${v}=${model.versions.get(v)!.fingerprint}`)].join('|');
}

/** Every version counted complete: what the startup load saw. */
export function appliedFrom(snapshot: RepositorySnapshot): Map<string, string> {
  return new Map([...snapshot].map(([name, model]) => [name, settledKey(model, [...model.versions.keys()].sort((a, b) => a - b))]));
}

/**
 * A version is complete when its fingerprint is unchanged since the previous poll, or its manifest says so.
 * A model is acted on when its settled state differs from the one last applied; while its model.yaml is
 * changing, or while a new model has no complete version yet, it waits. A model that is gone (from the disk,
 * not from `loaded`) is unloaded. Held models are left alone.
 */
export function planPoll(
  previous: RepositorySnapshot,
  current: RepositorySnapshot,
  applied: ReadonlyMap<string, string>,
  held: ReadonlySet<string>,
  loaded: ReadonlySet<string> = new Set(),
): PollActions {
  const actions: PollActions = { load: [], unload: [], applied: new Map(applied) };
  for (const [name, model] of current) {
    if (held.has(name)) continue;
    const before = previous.get(name);
    if (before === undefined || before.configHash !== model.configHash) continue; // NOTE: wait for a stable model.yaml
    const complete: number[] = [];
    const skip = new Set<number>();
    for (const [version, snap] of [...model.versions].sort((a, b) => a[0] - b[0])) {
      const stable = before.versions.get(version)?.fingerprint === snap.fingerprint;
      if (stable || snap.manifestComplete) complete.push(version);
      else skip.add(version);
    }
    if (!applied.has(name) && complete.length === 0 && skip.size > 0) continue; // NOTE: a new model waits for its first complete version
    const key = settledKey(model, complete);
    if (applied.get(name) === key) continue;
    actions.load.push({ name, skip });
    actions.applied.set(name, key);
  }
  for (const name of new Set([...applied.keys(), ...loaded])) {
    if (current.has(name) || held.has(name)) continue;
    actions.unload.push(name);
    actions.applied.delete(name);
  }
  return actions;
}
