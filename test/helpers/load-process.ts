// Runs tools/load/closed-loop.ts in a child process and follows its JSON-line events.
import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { PACKAGE_ROOT } from '../../src/version.js';

export interface LoadEvent {
  event: 'version' | 'unready' | 'summary';
  version?: string;
  status?: number;
  sent?: number;
  ok?: number;
  failed?: number;
  failures?: Record<string, number>;
  versions?: Record<string, number>;
  order?: string[];
}

export interface LoadProcess {
  events: LoadEvent[];
  /** Resolves with the first event (already seen or still to come) that matches; rejects after `timeoutMs`. */
  waitFor(match: (e: LoadEvent) => boolean, timeoutMs: number, what: string): Promise<LoadEvent>;
  /** Asks it to stop (or lets it stop itself) and resolves with its summary. */
  stop(): Promise<LoadEvent>;
}

export function startLoad(args: string[]): LoadProcess {
  const child = spawn(process.execPath, ['--import', 'tsx', join(PACKAGE_ROOT, 'tools/load/closed-loop.ts'), ...args], { stdio: ['pipe', 'pipe', 'inherit'] });
  const events: LoadEvent[] = [];
  const waiters: { match: (e: LoadEvent) => boolean; resolve: (e: LoadEvent) => void }[] = [];
  createInterface({ input: child.stdout! }).on('line', (line) => {
    const event = JSON.parse(line) as LoadEvent;
    events.push(event);
    for (const w of [...waiters]) {
      if (!w.match(event)) continue;
      waiters.splice(waiters.indexOf(w), 1);
      w.resolve(event);
    }
  });
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const waitFor = (match: (e: LoadEvent) => boolean, timeoutMs: number, what: string) => {
    const seen = events.find(match);
    if (seen !== undefined) return Promise.resolve(seen);
    return new Promise<LoadEvent>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`load generator: no ${what} within ${timeoutMs} ms; events: ${JSON.stringify(events)}`)), timeoutMs);
      waiters.push({ match, resolve: (e) => (clearTimeout(timer), resolve(e)) });
    });
  };
  return {
    events,
    waitFor,
    async stop() {
      if (child.exitCode === null) child.stdin!.end('stop\n');
      await exited;
      const summary = events.find((e) => e.event === 'summary');
      if (summary === undefined) throw new Error('the load generator exited without a summary');
      return summary;
    },
  };
}
