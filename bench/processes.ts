// Child processes of the benchmark: servers on free loopback ports (stopped at the end), and one-shot JSON tools.
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { createServer } from 'node:net';

export interface Served {
  name: string;
  url: string;
  child: ChildProcess;
  stop(): Promise<void>;
}

/** Cores (taskset lists) for the servers under test and for the load generators; empty: anywhere. */
export interface CpuPlan {
  servers?: string;
  generators?: string;
}

/**
 * Servers on every core but the first, load generators on the first, when taskset is there and there are two
 * cores or more. NOTE: unpinned, the scheduler moved servers and generator between the two cores of the VM; two
 * identical servers measured back to back were within 7 % of each other in 6 of 12 pairs (ratios 0.52-2.03),
 * pinned in 8 of 12 (0.43-1.33).
 */
export function planCpus(wanted: boolean, cpus: number): CpuPlan {
  if (!wanted || cpus < 2 || spawnSync('taskset', ['-V']).error !== undefined) return {};
  return { generators: '0', servers: cpus === 2 ? '1' : `1-${cpus - 1}` };
}

/** The command line that runs `command` on the cores `cpus` (unchanged without them). */
export const onCpus = (cpus: string | undefined, command: string, args: string[]): [string, string[]] =>
  cpus === undefined ? [command, args] : ['taskset', ['-c', cpus, command, ...args]];

/** A free loopback port: bound on port 0, read, released. */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.once('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const { port } = s.address() as { port: number };
      s.close(() => resolve(port));
    });
  });
}

async function waitUntil(check: () => Promise<boolean>, what: string, timeoutMs = 60_000): Promise<void> {
  const until = Date.now() + timeoutMs;
  while (Date.now() < until) {
    if (await check().catch(() => false)) return;
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`${what} did not become ready within ${timeoutMs} ms`);
}

/**
 * Starts a server process on `port` and waits until `readyPath` answers 200 (or, without one, until any
 * answer arrives). Its output goes nowhere: per-request logs must not block on a full pipe.
 */
export async function serve(name: string, command: string, args: string[], port: number, readyPath?: string): Promise<Served> {
  const child = spawn(command, args, { stdio: ['ignore', 'ignore', 'inherit'] });
  const url = `http://127.0.0.1:${port}`;
  let exited = false;
  child.once('exit', () => (exited = true));
  await waitUntil(async () => {
    if (exited) throw new Error(`${name} exited during start-up`);
    const res = await fetch(url + (readyPath ?? '/'));
    return readyPath === undefined || res.status === 200;
  }, name);
  return {
    name,
    url,
    child,
    stop: () =>
      new Promise<void>((resolve) => {
        if (exited) return resolve();
        child.once('exit', () => resolve());
        child.kill('SIGTERM');
        setTimeout(() => child.kill('SIGKILL'), 10_000).unref();
      }),
  };
}

/** Runs a command to its end and returns its standard output; a failure rejects with the end of its standard error. */
export function output(command: string, args: string[], env: NodeJS.ProcessEnv = process.env): Promise<string> {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, { stdio: ['ignore', 'pipe', 'pipe'], env });
    const out: Buffer[] = [];
    let err = '';
    child.stdout.on('data', (c: Buffer) => out.push(c));
    child.stderr.on('data', (c: Buffer) => (err += c.toString()));
    child.once('error', reject);
    // NOTE: 'close', not 'exit': a process can exit before all of its output has been read.
    child.once('close', (code) => {
      if (code === 0) resolve(Buffer.concat(out).toString('utf8'));
      else reject(new Error(`${command} ${args.slice(0, 2).join(' ')} exited with ${code}: ${err.trim().slice(-300)}`));
    });
  });
}

/** Runs a command that prints one JSON line and returns it parsed. */
export async function runJson<T>(command: string, args: string[], env: NodeJS.ProcessEnv = process.env): Promise<T> {
  const out = await output(command, args, env);
  try {
    return JSON.parse(out.trim().split('\n').pop()!) as T;
  } catch {
    throw new Error(`${command}: unreadable output: ${out.slice(0, 200)}`);
  }
}
