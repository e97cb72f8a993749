// Runs the real entry point (src/main.ts) in a child process on a free loopback port, as `onnx-serve` would run.
import { spawn, type ChildProcess } from 'node:child_process';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { PACKAGE_ROOT } from '../../src/version.js';

export interface ServerProcess {
  url: string;
  child: ChildProcess;
  /** Every JSON log line so far. */
  logs: Record<string, unknown>[];
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
}

/** NOTE: without the request-path warm-up (3 s per start) unless `args` set it; test/warmup and test/e2e run it. */
export async function startServerProcess(args: string[], timeoutMs = 60_000): Promise<ServerProcess> {
  const warmup = args.includes('--warmup-seconds') ? [] : ['--warmup-seconds', '0'];
  const child = spawn(process.execPath, ['--import', 'tsx', join(PACKAGE_ROOT, 'src/main.ts'), '--host', '127.0.0.1', '--port', '0', '--log-format', 'json', ...warmup, ...args], {
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) => child.once('exit', (code, signal) => resolve({ code, signal })));
  const logs: Record<string, unknown>[] = [];
  const url = await new Promise<string>((resolve, reject) => {
    const timer = setTimeout(() => (child.kill('SIGKILL'), reject(new Error('the server did not report ready in time'))), timeoutMs);
    void exited.then(({ code }) => reject(new Error(`the server exited (code ${code}) before it was ready`)));
    createInterface({ input: child.stdout! }).on('line', (line) => {
      let entry: Record<string, unknown>;
      try {
        entry = JSON.parse(line) as Record<string, unknown>;
      } catch {
        return;
      }
      logs.push(entry);
      if (entry.msg === 'server ready') {
        clearTimeout(timer);
        resolve(String(entry.url));
      }
    });
  });
  return { url, child, logs, exited };
}
