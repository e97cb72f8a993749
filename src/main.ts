#!/usr/bin/env node
// Command-line entry: `onnx-serve [command] [options]`; without a command it serves.
import { COMMANDS } from './cli/commands.js';
import { ConfigError } from './config/load.js';
import { primeNextTick } from './jit-priming.js';
import { SERVER_NAME, SERVER_VERSION } from './version.js';

async function usage(): Promise<string> {
  const lines = await Promise.all(Object.entries(COMMANDS).map(async ([name, load]) => `  ${name.padEnd(10)} ${(await load()).summary}`));
  return `Usage: ${SERVER_NAME} [command] [options]\n\nCommands:\n${lines.join('\n')}\n\n` +
    `Without a command, ${SERVER_NAME} serves. '${SERVER_NAME} <command> --help' describes each.\n`;
}

async function main(argv: string[]): Promise<number> {
  const [first, ...rest] = argv;
  if (first === '--version') {
    process.stdout.write(`${SERVER_VERSION}\n`);
    return 0;
  }
  if (first === 'help') {
    process.stdout.write(await usage());
    return 0;
  }
  const load = first !== undefined && !first.startsWith('-') ? COMMANDS[first] : COMMANDS.serve;
  if (load === undefined) {
    process.stderr.write(`unknown command '${first}'\n\n${await usage()}`);
    return 2;
  }
  // NOTE: before the serve command's modules load and its startup work begins (see jit-priming.ts).
  if (load === COMMANDS.serve) primeNextTick();
  const command = await load();
  return command.run(load === COMMANDS.serve && first !== 'serve' ? argv : rest);
}

main(process.argv.slice(2)).then(
  (code) => process.exit(code),
  (err: unknown) => {
    process.stderr.write(`${err instanceof ConfigError ? err.message : (err as Error).stack ?? String(err)}\n`);
    process.exit(err instanceof ConfigError ? 2 : 1);
  },
);
