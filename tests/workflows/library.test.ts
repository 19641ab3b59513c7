import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { mkdir, mkdtemp, readFile, rm, stat, unlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createLogger, silentLogger } from '../../electron/log.js';
import {
  createWorkflowLibrary,
  type WorkflowEntry,
  type WorkflowLibrary,
} from '../../electron/workflows/library.js';
import { bundledDir, bundledIds, fixturesDir } from './helpers.js';

/** Polls until `check` holds or the deadline passes; file watching is asynchronous by nature. */
async function eventually(check: () => boolean, what: string, deadlineMs = 10_000): Promise<void> {
  const deadline = Date.now() + deadlineMs;
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

const testPattern = (prefix: string) =>
  JSON.stringify({
    '1': {
      class_type: 'EmptyImage',
      inputs: { width: '{{width}}', height: '{{height}}', batch_size: 1, color: 0 },
    },
    '2': { class_type: 'SaveImage', inputs: { images: ['1', 0], filename_prefix: prefix } },
  });

function ok(entry: WorkflowEntry | undefined) {
  if (entry?.status !== 'ok') throw new Error(`expected a loaded workflow, got ${JSON.stringify(entry)}`);
  return entry;
}

function broken(entry: WorkflowEntry | undefined) {
  if (entry?.status !== 'error') throw new Error(`expected a broken workflow, got ${JSON.stringify(entry)}`);
  return entry;
}

let root: string;
let userDir: string;
let library: WorkflowLibrary | undefined;

beforeEach(async () => {
  root = await mkdtemp(join(tmpdir(), 'workflows-'));
  userDir = join(root, 'user');
});

afterEach(async () => {
  await library?.close();
  library = undefined;
  await rm(root, { recursive: true, force: true });
});

describe('createWorkflowLibrary loading', () => {
  it('loads every bundled workflow with its sidecar; a missing user folder is just empty', async () => {
    library = await createWorkflowLibrary({ bundledDir, userDir, logger: silentLogger });
    expect(library.list().map((entry) => entry.id)).toEqual([...bundledIds].sort());
    const sdxl = ok(library.get('sdxl'));
    expect(sdxl).toMatchObject({ source: 'bundled', file: join(bundledDir, 'sdxl.json') });
    expect(sdxl.workflow.meta.title).toBe('SDXL 1.0');
    expect(sdxl.workflow.sizeRules.native).toEqual({ width: 1024, height: 1024 });
    expect(library.get('nope')).toBeUndefined();
  });

  it('lets a user file override the bundled one of the same id, and says so', async () => {
    await mkdir(userDir);
    await writeFile(join(userDir, 'sd15.json'), await readFile(join(fixturesDir, 'sd15-default.json')));
    library = await createWorkflowLibrary({ bundledDir, userDir, logger: silentLogger });
    const sd15 = ok(library.get('sd15'));
    expect(sd15.source).toBe('user');
    expect(sd15.file).toBe(join(userDir, 'sd15.json'));
    expect(sd15.overridesBundled).toBe(join(bundledDir, 'sd15.json'));
    // The bundled sidecar belongs to the bundled graph; the user's graph is described by itself.
    expect(sd15.workflow.meta.title).toBe('sd15');
    expect(sd15.workflow.parameters.targets.prompt?.[0]?.source).toBe('detected');
    expect(library.list().filter((entry) => entry.id === 'sd15')).toHaveLength(1);
  });

  it('lists bad files with their errors instead of failing, and logs them', async () => {
    const lines: string[] = [];
    await mkdir(userDir);
    await writeFile(join(userDir, 'not-json.json'), '{ "1": ');
    await writeFile(join(userDir, 'ui.json'), await readFile(join(fixturesDir, 'ui-format.json')));
    await writeFile(
      join(userDir, 'loop.json'),
      JSON.stringify({
        '1': { class_type: 'ImageInvert', inputs: { image: ['2', 0] } },
        '2': { class_type: 'ImageInvert', inputs: { image: ['1', 0] } },
        '3': { class_type: 'SaveImage', inputs: { images: ['2', 0] } },
      }),
    );
    await writeFile(join(userDir, 'bad-sidecar.json'), testPattern('x'));
    await writeFile(
      join(userDir, 'bad-sidecar.meta.json'),
      JSON.stringify({ title: '', family: 'x', colour: 1 }),
    );
    await writeFile(join(userDir, 'good.json'), testPattern('good'));
    await writeFile(join(userDir, 'notes.txt'), 'not a workflow');
    await writeFile(join(userDir, 'huge.json'), Buffer.alloc(5 * 1024 * 1024 + 1, 32));

    library = await createWorkflowLibrary({
      bundledDir: join(root, 'no-bundled'),
      userDir,
      logger: createLogger({ sink: (line) => lines.push(line) }),
    });
    expect(library.list().map((entry) => `${entry.id}:${entry.status}`)).toEqual([
      'bad-sidecar:error',
      'good:ok',
      'huge:error',
      'loop:error',
      'not-json:error',
      'ui:error',
    ]);
    expect(broken(library.get('not-json')).error).toMatch(
      /^not-json\.json is not valid JSON \(.+\); fix or re-export the file$/,
    );
    expect(broken(library.get('ui')).error).toBe(
      'ui.json is a ComfyUI UI-format workflow; in ComfyUI use Workflow → Export (API) and save that file instead',
    );
    expect(broken(library.get('loop')).error).toMatch(/^loop\.json has a cycle/);
    expect(broken(library.get('bad-sidecar')).error).toBe(
      'bad-sidecar.meta.json is not a valid workflow sidecar: title: Too small: expected string to have >=1 characters; ' +
        '(root): Unrecognized key: "colour"',
    );
    expect(broken(library.get('huge')).error).toBe(
      'huge.json is 5242881 bytes; workflow files are limited to 5242880 bytes',
    );
    expect(lines.filter((line) => line.includes('WARN workflow not usable'))).toHaveLength(5);
    await library.reload();
    expect(lines.filter((line) => line.includes('WARN workflow not usable'))).toHaveLength(5);
  });
});

describe('createWorkflowLibrary watching the user folder', () => {
  it('creates the user folder and picks up added, changed and removed files without a restart', async () => {
    library = await createWorkflowLibrary({
      bundledDir,
      userDir,
      logger: silentLogger,
      watch: true,
      debounceMs: 20,
    });
    expect((await stat(userDir)).isDirectory()).toBe(true);
    const lib = library;
    const changes: WorkflowEntry[][] = [];
    const unsubscribe = lib.on('change', (entries) => changes.push(entries));

    await writeFile(join(userDir, 'dropped.json'), testPattern('first'));
    await eventually(() => lib.get('dropped')?.status === 'ok', 'the dropped workflow to appear');
    expect(changes.at(-1)?.some((entry) => entry.id === 'dropped')).toBe(true);

    await writeFile(join(userDir, 'dropped.json'), testPattern('second'));
    await eventually(
      () => ok(lib.get('dropped')).workflow.graph['2']?.inputs.filename_prefix === 'second',
      'the changed workflow to reload',
    );

    await writeFile(join(userDir, 'dropped.json'), '{ broken');
    await eventually(() => lib.get('dropped')?.status === 'error', 'the broken edit to show as an error');

    await unlink(join(userDir, 'dropped.json'));
    await eventually(() => lib.get('dropped') === undefined, 'the removed workflow to disappear');
    expect(lib.list().map((entry) => entry.id)).toEqual([...bundledIds].sort());

    const seen = changes.length;
    unsubscribe();
    await writeFile(join(userDir, 'later.json'), testPattern('later'));
    await eventually(() => lib.get('later') !== undefined, 'the later workflow to appear');
    expect(changes).toHaveLength(seen);
  });

  it('reload() reads the folders again on demand', async () => {
    library = await createWorkflowLibrary({ bundledDir: join(root, 'none'), userDir, logger: silentLogger });
    expect(library.list()).toEqual([]);
    await mkdir(userDir);
    await writeFile(join(userDir, 'fresh.json'), testPattern('fresh'));
    await library.reload();
    expect(ok(library.get('fresh')).source).toBe('user');
  });
});
