// Closed-loop load generator for lifecycle tests: N clients send V2 requests back to back over keep-alive
// connections on loopback, check every answer, and report each new model version seen as it appears.
//
//   tsx tools/load/closed-loop.ts --url http://127.0.0.1:PORT --model M [--concurrency 4] [--x 1] [--n N]
//                                 [--stop-when-unready] [--max-seconds 120]
//
// stdout: JSON lines: {"event":"version","version":"3"} when a version first answers, {"event":"unready"} when
// /v2/health/ready turns 503 (with --stop-when-unready it then stops sending, as a load balancer would), and last
// {"event":"summary", ...}. It stops when stdin closes or says "stop", or after --max-seconds.
import { Agent, request } from 'node:http';
import { parseArgs } from 'node:util';

const { values } = parseArgs({
  options: {
    url: { type: 'string' },
    model: { type: 'string' },
    concurrency: { type: 'string', default: '4' },
    x: { type: 'string', default: '1' },
    n: { type: 'string' },
    'stop-when-unready': { type: 'boolean', default: false },
    'max-seconds': { type: 'string', default: '120' },
  },
});
if (values.url === undefined || values.model === undefined) throw new Error('--url and --model are required');
const base = new URL(values.url);
if (!['127.0.0.1', 'localhost', '[::1]'].includes(base.hostname)) throw new Error('this generator only sends to loopback');

const x = Number(values.x);
const inputs: unknown[] = [{ name: 'x', datatype: 'FP32', shape: [1, 1], data: [x] }];
if (values.n !== undefined) inputs.push({ name: 'n', datatype: 'INT64', shape: [], data: [Number(values.n)] });
const body = JSON.stringify({ inputs });
/** The answer a version must give: y = x + version for the add models, y = x + n for the spin model. */
const expected = (version: number) => (values.n === undefined ? x + version : x + Number(values.n));
const agent = new Agent({ keepAlive: true, maxSockets: Number(values.concurrency) });
const emit = (line: Record<string, unknown>) => process.stdout.write(`${JSON.stringify(line)}\n`);

const summary = { sent: 0, ok: 0, failed: 0, failures: {} as Record<string, number>, versions: {} as Record<string, number>, order: [] as string[] };
let stopping = false;
const fail = (why: string) => {
  summary.failed++;
  summary.failures[why] = (summary.failures[why] ?? 0) + 1;
};

function once(): Promise<void> {
  summary.sent++;
  return new Promise((resolve) => {
    const req = request(new URL(`/v2/models/${values.model}/infer`, base), { method: 'POST', agent, headers: { 'content-length': Buffer.byteLength(body) } }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('error', (err: NodeJS.ErrnoException) => (fail(`response ${err.code ?? err.message}`), resolve()));
      res.on('end', () => {
        const text = Buffer.concat(chunks).toString('utf8');
        if (res.statusCode !== 200) return fail(`HTTP ${res.statusCode}: ${text.slice(0, 120)}`), resolve();
        const answer = JSON.parse(text) as { model_version: string; outputs: { data: number[] }[] };
        const y = answer.outputs[0].data[0];
        // NOTE: y = x + v reveals which version computed the answer; a mismatch is a wrong answer, not a pass.
        if (y !== expected(Number(answer.model_version))) return fail(`wrong answer ${y} from version ${answer.model_version}`), resolve();
        summary.ok++;
        summary.versions[answer.model_version] = (summary.versions[answer.model_version] ?? 0) + 1;
        if (!summary.order.includes(answer.model_version)) {
          summary.order.push(answer.model_version);
          emit({ event: 'version', version: answer.model_version });
        }
        resolve();
      });
    });
    req.on('error', (err: NodeJS.ErrnoException) => (fail(`request ${err.code ?? err.message}`), resolve()));
    req.end(body);
  });
}

async function client(): Promise<void> {
  while (!stopping) await once();
}

async function watchReadiness(): Promise<void> {
  while (!stopping) {
    const status = await new Promise<number>((resolve) => {
      request(new URL('/v2/health/ready', base), { agent: false }, (res) => (res.resume(), resolve(res.statusCode ?? 0))).on('error', () => resolve(0)).end();
    });
    if (status !== 200) {
      emit({ event: 'unready', status });
      stopping = true;
      return;
    }
    await new Promise((r) => setTimeout(r, 50));
  }
}

const stop = () => (stopping = true);
process.stdin.on('data', (d: Buffer) => d.toString().includes('stop') && stop());
process.stdin.on('end', stop);
const limit = setTimeout(stop, Number(values['max-seconds']) * 1000);
const clients = Array.from({ length: Number(values.concurrency) }, client);
if (values['stop-when-unready']) void watchReadiness();
await Promise.all(clients);
clearTimeout(limit);
agent.destroy();
emit({ event: 'summary', ...summary });
process.exit(0);
