// CLI that writes the embedded default model repository (models/): the iris demo models and the benchmark MLP.
//
//   npx tsx tools/build-models.ts                 build everything, overwriting
//   npx tsx tools/build-models.ts --missing-only  write only absent files (run before every server start)
//   npx tsx tools/build-models.ts --check         exit 1 if models/iris differs from a fresh build
//   --out DIR                                     use DIR instead of models/
import { resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { DEFAULT_REPOSITORY, MODEL_SETS, buildModelSet, diffIrisAgainstFreshBuild } from './models/repository.js';

const { values: flags } = parseArgs({
  options: { 'missing-only': { type: 'boolean' }, check: { type: 'boolean' }, out: { type: 'string' } },
});
const outDir = resolve(flags.out ?? DEFAULT_REPOSITORY);
if (flags.check && flags['missing-only']) throw new Error('--check and --missing-only are mutually exclusive');

if (flags.check) {
  const differing = await diffIrisAgainstFreshBuild(outDir);
  if (differing.length > 0) {
    console.error(`not in sync with a fresh build (rerun tools/build-models.ts): ${differing.join(', ')}`);
    process.exitCode = 1;
  } else {
    console.log(`${outDir}/iris matches a fresh build`);
  }
} else {
  let written = 0;
  for (const set of MODEL_SETS) {
    const result = await buildModelSet(set, outDir, flags['missing-only']);
    for (const line of [...result.report, ...result.written.map((path) => `wrote ${path}`)]) console.log(line);
    written += result.written.length;
  }
  if (written === 0) console.log(`${outDir}: nothing missing`);
}
