// `npm run demo:drift`: in-distribution then shifted iris traffic and wrong labels, printing how the gauges move.
//
//   npm run demo:drift                                     starts a server on 127.0.0.1 (a free port) over models/
//   npm run demo:drift -- --url http://127.0.0.1:8000      uses a running server instead
//   --rows N (1000) in-distribution rows; shifted rows are 3 N; --wrong F (0.6) share of wrong labels; --seed S
import { parseArgs } from 'node:util';
import { createConfig } from '../src/config/load.js';
import { startServer, type RunningServer } from '../src/server.js';
import { DriftDemo, formatGauges } from './drift/demo.js';
import { DEFAULT_REPOSITORY } from './models/repository.js';

const { values } = parseArgs({ options: { url: { type: 'string' }, rows: { type: 'string', default: '1000' }, wrong: { type: 'string', default: '0.6' }, seed: { type: 'string', default: '42' } } });
const rows = Number(values.rows);
const wrong = Number(values.wrong);
if (!Number.isInteger(rows) || rows < 500) throw new Error('--rows must be an integer of at least 500 (the drift window needs 500 rows before any verdict)');
if (!(wrong >= 0 && wrong <= 1)) throw new Error('--wrong must be a share from 0 to 1');

let server: RunningServer | undefined;
if (values.url === undefined) server = await startServer(createConfig({ host: '127.0.0.1', port: 0, models: DEFAULT_REPOSITORY, logLevel: 'warn', docs: false }));
const url = values.url ?? server!.url;
try {
  const demo = new DriftDemo(url, Number(values.seed));
  console.log(`onnx-serve drift demo against ${url} (model iris, its latest version)\n`);
  const version = await demo.servingVersion();
  const before = await demo.gauges(version);

  console.log(`1. ${rows} in-distribution rows (drawn from iris's training split), every label right`);
  const calm = await demo.send(demo.rows(rows));
  console.log(`   feedback: ${JSON.stringify(await demo.feedback(calm, (r) => r.label))}`);
  const afterCalm = await demo.gauges(version);

  console.log(`2. ${3 * rows} shifted rows (sepals 15 % narrower, petals 1.5 cm longer and 0.5 cm wider), ${Math.round(wrong * 100)} % of labels wrong`);
  const shifted = await demo.send(demo.rows(3 * rows, true));
  console.log(`   feedback: ${JSON.stringify(await demo.feedback(shifted, (r) => demo.mislabel(r.label, wrong)))}`);
  const afterShift = await demo.gauges(version);

  console.log(`\nGauges of iris v${version} on ${url}/metrics (— : not exported yet, e.g. below the minimum sample count)\n`);
  console.log(formatGauges(['before', 'after step 1', 'after step 2'], [before, afterCalm, afterShift]));
  console.log(`\nThe same as JSON: ${url}/v2/models/iris/monitoring`);
} finally {
  await server?.close();
}
