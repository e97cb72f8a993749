// Where a module that runs as a child process lives, run from source (tests, tsx) or compiled.

/**
 * The file of module `name` beside `base` (the caller's import.meta.url) and the node flags it needs. NOTE: run
 * from source the child is .ts and needs tsx's loader; compiled, it is the .js beside the caller.
 */
export function childEntry(base: string, name: string): { url: URL; execArgv: string[] } {
  const fromSource = base.endsWith('.ts');
  return {
    url: new URL(`./${name}${fromSource ? '.ts' : '.js'}`, base),
    execArgv: fromSource ? ['--import', import.meta.resolve('tsx')] : [],
  };
}
