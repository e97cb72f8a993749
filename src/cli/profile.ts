// `onnx-serve profile`: writes a model version's profile.json from a reference data set (CSV or JSON Lines).
import { createHash } from 'node:crypto';
import { readFileSync, writeFileSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import { parseArgs } from 'node:util';
import { createOrtBackend } from '../inference/ort-backend.js';
import { datasetFormat, parseDataset, type Dataset } from '../monitoring/profile/dataset.js';
import { profileModel } from '../monitoring/profile/profile-model.js';
import { CONFIG_FILE, MODEL_FILE, PROFILE_FILE } from '../repository/model-repository.js';
import { readModelConfig } from '../repository/model-config.js';
import { parseProfile, serializeProfile } from '../repository/profile-file.js';
import { SERVER_NAME } from '../version.js';
import type { Command } from './commands.js';

const USAGE = `Usage: ${SERVER_NAME} profile --model MODELS/NAME/VERSION --data FILE [options]

Writes VERSION/profile.json: the reference statistics drift monitoring compares live traffic with.
Runs the model over the data set for the output side. Columns map to the model's inputs as model.yaml
declares (monitoring.inputs); without it, a model with one input takes every column but the label, in order.

Options:
  --model DIR          the version directory (holding model.onnx); model.yaml is read from its parent
  --data FILE          reference data: .csv (with a header row) or .jsonl/.ndjson (one object per line)
  --label COLUMN       column with the true class (or value): records the validation accuracy (or MAE/RMSE)
  --validation FILE    labelled held-out data for that accuracy (default: the reference data itself)
  --format csv|jsonl   when the file extension does not tell
  --bins N             quantile bins per numeric feature (default 10)
  --top-k N            categories kept per categorical feature (default 20)
  --out FILE           where to write (default: MODEL/profile.json)
`;

const positive = (name: string, value: string | undefined, fallback: number): number => {
  if (value === undefined) return fallback;
  const n = Number(value);
  if (!Number.isInteger(n) || n < 1 || n > 1000) throw new Error(`--${name} must be an integer from 1 to 1000`);
  return n;
};

function readDataset(path: string, format?: string): { data: Dataset; sha256: string } {
  const kind = datasetFormat(path, format);
  const bytes = readFileSync(path);
  return { data: parseDataset(bytes.toString('utf8'), kind), sha256: createHash('sha256').update(bytes).digest('hex') };
}

export interface Output {
  out(text: string): void;
  err(text: string): void;
}

const STDIO: Output = { out: (t) => process.stdout.write(t), err: (t) => process.stderr.write(t) };

/** The command with its output injectable; bad input (options, data, mapping) is one line, not a stack trace. */
export async function runProfile(args: string[], io: Output = STDIO): Promise<number> {
  try {
    return await profile(args, io);
  } catch (err) {
    io.err(`${SERVER_NAME} profile: ${(err as Error).message}\n`);
    return (err as NodeJS.ErrnoException).code === 'ERR_PARSE_ARGS_UNKNOWN_OPTION' ? 2 : 1;
  }
}

export const profileCommand: Command = {
  summary: 'write a version\'s profile.json (drift reference) from a CSV or JSON Lines data set',
  run: (args) => runProfile(args),
};

async function profile(args: string[], io: Output): Promise<number> {
  const { values } = parseArgs({
    args,
    options: {
      model: { type: 'string' }, data: { type: 'string' }, label: { type: 'string' }, validation: { type: 'string' },
      format: { type: 'string' }, bins: { type: 'string' }, 'top-k': { type: 'string' }, out: { type: 'string' }, help: { type: 'boolean', short: 'h' },
    },
    strict: true,
  });
  if (values.help) {
    io.out(USAGE);
    return 0;
  }
  if (values.model === undefined || values.data === undefined) {
    io.err(`--model and --data are required\n\n${USAGE}`);
    return 2;
  }
  const config = await readModelConfig(join(dirname(values.model), CONFIG_FILE));
  const { data, sha256 } = readDataset(values.data, values.format);
  const validation = values.validation === undefined ? undefined : readDataset(values.validation, values.format).data;
  const backend = await createOrtBackend(readFileSync(join(values.model, MODEL_FILE)), { intraOpThreads: 0, interOpThreads: 1, allowSpinning: false });
  try {
    const profile = await profileModel({
      config, backend, data, validation, labelColumn: values.label,
      bins: positive('bins', values.bins, 10), topK: positive('top-k', values['top-k'], 20),
      source: `${basename(values.data)} (${data.rows} rows, sha256 ${sha256})`,
    });
    const out = values.out ?? join(values.model, PROFILE_FILE);
    const text = serializeProfile(profile);
    writeFileSync(out, text);
    const { hash, performance } = parseProfile(text);
    const perf = performance === undefined ? 'no labels given' : performance.task === 'classification' ? `accuracy ${performance.accuracy.toFixed(4)} on ${performance.rows} rows` : `MAE ${performance.mae.toPrecision(4)}, RMSE ${performance.rmse.toPrecision(4)} on ${performance.rows} rows`;
    io.out(`wrote ${out}: ${profile.features.length} features, ${profile.outputs.length} outputs, ${data.rows} rows; ${perf}; sha256 ${hash}\n`);
    return 0;
  } finally {
    await backend.dispose();
  }
}
