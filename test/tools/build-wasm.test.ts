// tools/build-wasm.ts: the committed WebAssembly modules are what their AssemblyScript sources compile to.
import assert from 'node:assert/strict';
import { appendFileSync, cpSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { test } from 'node:test';
import { staleModules, WASM_MODULES } from '../../tools/build-wasm.js';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));

test('every committed wasm module matches a fresh compile of its source', { timeout: 120_000 }, async () => {
  assert.deepEqual(await staleModules(), []);
});

test('a module whose source changed since it was generated is reported stale', { timeout: 120_000 }, async () => {
  const scratch = mkdtempSync(join(tmpdir(), 'onnx-serve-build-wasm-'));
  try {
    const m = WASM_MODULES[0];
    for (const file of [m.source, m.target]) cpSync(join(ROOT, file), join(scratch, file), { recursive: true });
    assert.deepEqual(await staleModules(scratch), []);
    appendFileSync(join(scratch, m.source), '\nexport function extra(): i32 {\n  return 1;\n}\n');
    assert.deepEqual(await staleModules(scratch), [m.target]);
  } finally {
    rmSync(scratch, { recursive: true, force: true });
  }
});
