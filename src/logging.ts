// The process logger: structured JSON lines (or pretty on a terminal); secrets are redacted by path.
import pino, { type ChildLoggerOptions, type DestinationStream, type Logger } from 'pino';
import type { Config } from './config/schema.js';

/**
 * Header and field paths that may carry credentials; pino replaces their values before writing.
 *
 * NOTE: exact paths only. Wildcards (`*.token`) made every line about 3× dearer (14 µs against 5 µs with a
 * child logger), and nothing logs nested credentials: the tests scan every captured log for keys and tokens.
 */
export const REDACTED_PATHS = [
  'req.headers.authorization',
  'req.headers["x-api-key"]',
  'req.headers.cookie',
  'headers.authorization',
  'headers["x-api-key"]',
  'headers.cookie',
  'apiKey',
  'token',
  'password',
  'secret',
  'jwtSecret',
  'apiKeys',
];

export function createLogger(config: Pick<Config, 'logLevel' | 'logFormat'>, destination?: DestinationStream): Logger {
  const options = { level: config.logLevel, redact: { paths: REDACTED_PATHS, censor: '[redacted]' }, base: { service: 'onnx-serve' } };
  if (destination !== undefined) return pino(options, destination);
  const pretty = config.logFormat === 'pretty' || (config.logFormat === 'auto' && process.stdout.isTTY === true);
  if (pretty) return pino({ ...options, transport: { target: 'pino-pretty', options: { translateTime: 'SYS:HH:MM:ss.l', ignore: 'pid,hostname,service' } } });
  // NOTE: asynchronous writes coalesce the lines logged while a write is in flight into one syscall; pino
  // flushes what is left synchronously when the process exits.
  return pino(options, pino.destination({ dest: 1, sync: false }));
}

type LevelName = 'fatal' | 'error' | 'warn' | 'info' | 'debug' | 'trace';

/**
 * A request's logger that becomes a pino child (binding the request id) only when something is logged through it.
 *
 * NOTE: Fastify makes a child per request, and pino serializes its bindings at creation: 0.46–0.8 µs per request
 * in a microbenchmark (this class: 25–50 ns), for a logger most requests never use (with --access-log false,
 * successes log nothing).
 */
class DeferredChild {
  readonly #parent: Logger;
  readonly #bindings: Record<string, unknown>;
  #child: Logger | undefined;

  constructor(parent: Logger, bindings: Record<string, unknown>) {
    this.#parent = parent;
    this.#bindings = bindings;
  }

  /** The real child, made on first use and kept, so every line of one request carries the same bindings. */
  get #real(): Logger {
    return (this.#child ??= this.#parent.child(this.#bindings));
  }

  #write(level: LevelName, args: unknown[]): void {
    // NOTE: a level the parent drops makes no child; once made, the child (whose level may be set) decides.
    if (this.#child === undefined && !this.#parent.isLevelEnabled(level)) return;
    (this.#real[level] as (...a: unknown[]) => void)(...args);
  }

  fatal(...args: unknown[]): void { this.#write('fatal', args); }
  error(...args: unknown[]): void { this.#write('error', args); }
  warn(...args: unknown[]): void { this.#write('warn', args); }
  info(...args: unknown[]): void { this.#write('info', args); }
  debug(...args: unknown[]): void { this.#write('debug', args); }
  trace(...args: unknown[]): void { this.#write('trace', args); }
  silent(): void {}
  child(bindings: Record<string, unknown>, options?: ChildLoggerOptions<never>): Logger { return this.#real.child(bindings, options); }
  bindings(): Record<string, unknown> { return this.#real.bindings(); }
  isLevelEnabled(level: string): boolean { return (this.#child ?? this.#parent).isLevelEnabled(level); }
  get level(): string { return (this.#child ?? this.#parent).level; }
  set level(level: string) { this.#real.level = level; }
}

/**
 * The logger to give Fastify (`loggerInstance`): `logger` itself (inherited, not copied), except that its children
 * are deferred, and a child with log options of its own (Fastify's root logger, made with its serializers; a route's
 * level) is a real child that defers its children in turn.
 *
 * NOTE: not a `childLoggerFactory`: with one, Fastify checks each request's child for seven methods
 * (`validateLogger`: a closure, an array and seven megamorphic property reads, about 0.6 % of an iris request's
 * CPU under perf); with its default factory it calls `logger.child` and checks nothing.
 */
export function deferringLogger(logger: Logger): Logger {
  const deferring = Object.create(logger) as Logger;
  const child = (bindings: Record<string, unknown>, options?: ChildLoggerOptions<never>): Logger => {
    for (const _ in options) return deferringLogger(logger.child(bindings, options));
    return new DeferredChild(logger, bindings) as unknown as Logger;
  };
  Object.defineProperty(deferring, 'child', { value: child, enumerable: false });
  return deferring;
}
