import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/** A temporary folder tree for one benchmark run, removed at the end whatever happens. */
export class Workspace {
  readonly root = mkdtempSync(join(tmpdir(), 'bridge-bench-'));

  dir(...parts: string[]): string {
    const path = join(this.root, ...parts);
    mkdirSync(path, { recursive: true });
    return path;
  }

  remove(): void {
    rmSync(this.root, { recursive: true, force: true });
  }
}
