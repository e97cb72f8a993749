// A model repository in a temporary directory that tests write to, copy into and remove from while the app runs.
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import type { TestContext } from 'node:test';
import { addConstantModel } from './fixture-models.js';

export class ScratchRepository {
  readonly root: string;

  constructor(t?: TestContext) {
    this.root = mkdtempSync(join(tmpdir(), 'onnx-serve-repo-'));
    if (t !== undefined) t.after(() => this.dispose());
    else process.once('exit', () => this.dispose());
  }

  path(...parts: (string | number)[]): string {
    return join(this.root, ...parts.map(String));
  }

  /** Writes one file (parents created). */
  write(relative: string, contents: Uint8Array | string): string {
    const file = join(this.root, relative);
    mkdirSync(dirname(file), { recursive: true });
    writeFileSync(file, contents);
    return file;
  }

  /** models/<name>/<version>/model.onnx computing y = x + `add` (the version number unless told otherwise). */
  addVersion(name: string, version: number, add = version): string {
    this.write(`${name}/${version}/model.onnx`, addConstantModel(name, add));
    return this.path(name, version);
  }

  yaml(name: string, text: string): void {
    this.write(`${name}/model.yaml`, text);
  }

  remove(...parts: (string | number)[]): void {
    rmSync(this.path(...parts), { recursive: true, force: true });
  }

  dispose(): void {
    rmSync(this.root, { recursive: true, force: true });
  }
}

/** A V2 JSON body for the y = x + v models: x = [[x]]. */
export const addBody = (x = 1): string => JSON.stringify({ inputs: [{ name: 'x', datatype: 'FP32', shape: [1, 1], data: [x] }] });
