// Answers held to the end of the event loop's turn and written together, as a batching server writes a batch's.
let held: (() => unknown)[] = [];

/** Runs `send` at the end of this turn (setImmediate runs after the turn's I/O callbacks), with every other held one, in order. */
export function atTurnEnd(send: () => unknown): void {
  if (held.length === 0) {
    setImmediate(() => {
      const answers = held;
      held = [];
      for (const answer of answers) answer();
    });
  }
  held.push(send);
}
