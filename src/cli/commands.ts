// The subcommands of `onnx-serve`; each lives in its own module, loaded only when used.

export interface Command {
  /** One line for `onnx-serve --help`. */
  summary: string;
  /** Runs with the arguments after the command name; resolves to the exit code. */
  run(args: string[]): Promise<number>;
}

export const COMMANDS: Record<string, () => Promise<Command>> = {
  serve: async () => (await import('./serve.js')).serveCommand,
  keys: async () => (await import('./keys.js')).keysCommand,
  profile: async () => (await import('./profile.js')).profileCommand,
  pack: async () => (await import('./pack.js')).packCommand,
  keygen: async () => (await import('./keygen.js')).keygenCommand,
};
