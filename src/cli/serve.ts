// `onnx-serve serve` (the default command): load the settings, start the server, drain on signals.
import { describeConfig, loadConfig } from '../config/load.js';
import { exitOnSignals, startServer } from '../server.js';
import { SERVER_NAME } from '../version.js';
import type { Command } from './commands.js';

const USAGE = `Usage: ${SERVER_NAME} [serve] [options]

Serves the ONNX models of a model repository over the Open Inference Protocol (KServe V2) and KServe V1.
Every option can also be set as an environment variable or in a --config file (flags win, then env, then file).

Options:
${describeConfig()}
`;

export const serveCommand: Command = {
  summary: 'serve a model repository (the default)',
  async run(args) {
    if (args.includes('--help') || args.includes('-h')) {
      process.stdout.write(USAGE);
      return 0;
    }
    const server = await startServer(loadConfig(args, process.env));
    exitOnSignals(server);
    // NOTE: never resolves while serving; exitOnSignals ends the process after draining.
    return new Promise<number>(() => undefined);
  },
};
