#!/usr/bin/env node
// Command-line entry: `onnx-serve [serve] [--flags]`; settings come from flags, env and an optional file.
import { ConfigError, describeConfig, loadConfig } from './config/load.js';
import { exitOnSignals, startServer } from './server.js';
import { SERVER_NAME, SERVER_VERSION } from './version.js';

const USAGE = `Usage: ${SERVER_NAME} [serve] [options]

Serves the ONNX models of a model repository over the Open Inference Protocol (KServe V2) and KServe V1.
Every option can also be set as an environment variable or in a --config file (flags win, then env, then file).

Options:
${describeConfig()}
`;

async function main(argv: string[]): Promise<void> {
  const args = argv[0] === 'serve' ? argv.slice(1) : argv;
  if (args.includes('--help') || args.includes('-h')) {
    process.stdout.write(USAGE);
    return;
  }
  if (args.includes('--version')) {
    process.stdout.write(`${SERVER_VERSION}\n`);
    return;
  }
  const config = loadConfig(args, process.env);
  const server = await startServer(config);
  exitOnSignals(server);
}

main(process.argv.slice(2)).catch((err: unknown) => {
  process.stderr.write(`${err instanceof ConfigError ? err.message : (err as Error).stack ?? String(err)}\n`);
  process.exit(err instanceof ConfigError ? 2 : 1);
});
