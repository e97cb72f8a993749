// Runs the Dockerfile's own steps without a Docker engine: each stage in a scratch root, COPY/ENV/WORKDIR/RUN
// as written, then starts the ENTRYPOINT with the image's environment and checks it serves and drains.
// Used by .ci/run; it understands the subset of Dockerfile syntax this project uses and fails on anything else.
import { spawn, spawnSync } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PACKAGE_ROOT } from '../src/version.js';

interface Stage {
  name: string;
  root: string;
  workdir: string;
  env: Record<string, string>;
  entrypoint?: string[];
}

/** Joins continuation lines and drops comments, as Docker does. */
function instructions(text: string): string[] {
  const out: string[] = [];
  let current = '';
  for (const line of text.split('\n')) {
    if (/^\s*#/.test(line)) continue;
    current += line.endsWith('\\') ? `${line.slice(0, -1)} ` : line;
    if (!line.endsWith('\\')) {
      if (current.trim() !== '') out.push(current.trim());
      current = '';
    }
  }
  return out;
}

/** Absolute paths in the image live under the stage's scratch root. */
const inRoot = (stage: Stage, path: string) => join(stage.root, path.startsWith('/') ? path : join(stage.workdir, path));
const rootEnv = (stage: Stage) =>
  Object.fromEntries(Object.entries(stage.env).map(([k, v]) => [k, v.startsWith('/') ? join(stage.root, v) : v]));

function parseEnv(args: string): Record<string, string> {
  const env: Record<string, string> = {};
  for (const m of args.matchAll(/([A-Za-z_][A-Za-z0-9_]*)=("[^"]*"|\S+)/g)) env[m[1]] = m[2].replace(/^"|"$/g, '');
  return env;
}

export function buildStages(dockerfile: string, context: string, scratch: string): Stage {
  const stages = new Map<string, Stage>();
  let stage: Stage | undefined;
  for (const line of instructions(dockerfile)) {
    const [op, ...rest] = line.split(/\s+/);
    const args = rest.join(' ');
    if (op === 'FROM') {
      const name = /\bAS\s+(\S+)/i.exec(args)?.[1] ?? `stage${stages.size}`;
      stage = { name, root: join(scratch, name), workdir: '/', env: {} };
      mkdirSync(stage.root, { recursive: true });
      stages.set(name, stage);
      continue;
    }
    if (stage === undefined) throw new Error(`${op} before FROM`);
    if (op === 'WORKDIR') {
      stage.workdir = args;
      mkdirSync(inRoot(stage, args), { recursive: true });
    } else if (op === 'ENV') Object.assign(stage.env, parseEnv(args));
    else if (op === 'COPY') {
      const from = /--from=(\S+)/.exec(args)?.[1];
      const paths = rest.filter((p) => !p.startsWith('--'));
      const dest = paths.pop()!;
      const source = from === undefined ? undefined : stages.get(from);
      for (const p of paths) {
        const src = source === undefined ? join(context, p) : inRoot(source, p);
        const target = dest.endsWith('/') ? join(inRoot(stage, dest), p.split('/').pop()!) : inRoot(stage, dest);
        cpSync(src, target, { recursive: true });
      }
    } else if (op === 'RUN') {
      console.log(`RUN ${args}`);
      const r = spawnSync('sh', ['-c', args], { cwd: inRoot(stage, stage.workdir), env: { ...process.env, ...rootEnv(stage) }, stdio: 'inherit' });
      if (r.status !== 0) throw new Error(`RUN failed (${r.status}): ${args}`);
    } else if (op === 'ENTRYPOINT') stage.entrypoint = JSON.parse(args) as string[];
    else if (!['USER', 'EXPOSE', 'HEALTHCHECK', 'CMD', 'ARG'].includes(op)) throw new Error(`unsupported instruction ${op}`);
  }
  if (stage === undefined) throw new Error('no FROM');
  return stage;
}

async function waitFor(url: string, ms: number): Promise<Response> {
  const end = Date.now() + ms;
  for (;;) {
    try {
      const res = await fetch(url);
      if (res.ok) return res;
    } catch {
      // not listening yet
    }
    if (Date.now() > end) throw new Error(`${url} did not answer 200 within ${ms} ms`);
    await new Promise((r) => setTimeout(r, 250));
  }
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const scratch = mkdtempSync(join(tmpdir(), 'dockerfile-smoke-'));
  try {
    const image = buildStages(readFileSync(join(PACKAGE_ROOT, 'Dockerfile'), 'utf8'), PACKAGE_ROOT, scratch);
    if (!image.entrypoint) throw new Error('the final stage has no ENTRYPOINT');
    if (existsSync(join(image.root, 'app', 'node_modules', 'typescript'))) throw new Error('dev dependencies left in the image');
    const port = 18000 + Math.floor(Math.random() * 1000);
    const env = { ...rootEnv(image), ONNX_SERVE_HOST: '127.0.0.1', ONNX_SERVE_PORT: String(port), PATH: process.env.PATH ?? '' };
    const [cmd, ...cmdArgs] = image.entrypoint;
    const child = spawn(cmd, cmdArgs, { cwd: inRoot(image, image.workdir), env, stdio: ['ignore', 'inherit', 'inherit'] });
    const exited = new Promise<number | null>((resolve) => child.on('exit', resolve));
    await waitFor(`http://127.0.0.1:${port}/v2/health/ready`, 60_000);
    const models = (await (await fetch(`http://127.0.0.1:${port}/v2/models`)).json()) as { models: string[] };
    if (!models.models.includes('iris') || !models.models.includes('bench-mlp')) throw new Error(`image serves ${models.models}`);
    const infer = await fetch(`http://127.0.0.1:${port}/v2/models/iris/infer`, {
      method: 'POST',
      body: JSON.stringify({ inputs: [{ name: 'features', shape: [1, 4], datatype: 'FP32', data: [5.1, 3.5, 1.4, 0.2] }] }),
    });
    if (infer.status !== 200) throw new Error(`inference answered ${infer.status}`);
    child.kill('SIGTERM');
    const code = await exited;
    if (code !== 0) throw new Error(`entrypoint exited with ${code} on SIGTERM`);
    console.log('dockerfile smoke: image steps build, the entrypoint serves iris and bench-mlp, SIGTERM exits 0');
  } finally {
    rmSync(scratch, { recursive: true, force: true });
  }
}
