// Primes Node's own hottest internal before the server starts, so V8 compiles it from uniform feedback.

/**
 * NOTE: `process.nextTick` builds `{ [async_id_symbol], [trigger_async_id_symbol], callback, args }` for every tick,
 * and Node's HTTP and stream code call it several times per request. V8 optimizes nextTick once, early in startup,
 * and what that literal had seen by then decides for the process's whole life whether it is built inline or
 * through V8's runtime (Runtime_DefineKeyedOwnPropertyInLiteral and map transitions): 3-4 µs more per iris request,
 * about 6 %. perf found it in 10 of 27 unprimed servers with monitoring on (1 of 10 with it off) and in none of 12
 * primed ones. The ticks queued here (both shapes: with and without arguments) make nextTick hot on uniform
 * feedback before any startup work; they run as soon as the caller yields, in a few milliseconds, once.
 */
const PRIMING_ROUNDS = 20_000;

export function primeNextTick(): void {
  const noop = (): void => undefined;
  for (let i = 0; i < PRIMING_ROUNDS; i++) {
    process.nextTick(noop);
    process.nextTick(noop, i);
  }
}
