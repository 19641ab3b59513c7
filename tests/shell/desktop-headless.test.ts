import { mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createHeadlessDesktop } from '../../electron/desktop-headless.js';
import { DesktopUnavailableError } from '../../electron/desktop-port.js';
import { createLogger } from '../../electron/log.js';

let root: string;
let lines: string[];

beforeEach(async () => {
  root = await mkdtemp(join(tmpdir(), 'headless-desktop-'));
  lines = [];
});
afterEach(() => rm(root, { recursive: true, force: true }));

const desktop = () =>
  createHeadlessDesktop({
    trashDir: join(root, 'trash'),
    logger: createLogger({ sink: (line) => lines.push(line) }),
  });

describe('createHeadlessDesktop', () => {
  it('moves a file into the trash folder, keeping its content and name', async () => {
    const file = join(root, 'hero.png');
    await writeFile(file, 'pixels');
    await desktop().moveToTrash(file);
    await expect(readdir(root)).resolves.toEqual(['trash']);
    const [trashed] = await readdir(join(root, 'trash'));
    expect(trashed).toMatch(/-hero\.png$/);
    await expect(readFile(join(root, 'trash', trashed!), 'utf8')).resolves.toBe('pixels');
  });

  it('never overwrites an earlier trashed file of the same name', async () => {
    const port = desktop();
    for (const content of ['first', 'second']) {
      await writeFile(join(root, 'hero.png'), content);
      await port.moveToTrash(join(root, 'hero.png'));
    }
    const names = await readdir(join(root, 'trash'));
    expect(names).toHaveLength(2);
    const contents = await Promise.all(names.map((name) => readFile(join(root, 'trash', name), 'utf8')));
    expect(contents.sort()).toEqual(['first', 'second']);
  });

  it('rejects when the file does not exist', async () => {
    await expect(desktop().moveToTrash(join(root, 'missing.png'))).rejects.toMatchObject({ code: 'ENOENT' });
  });

  it('logs what needs a screen instead of doing it, and refuses a reveal rather than report one', async () => {
    const port = desktop();
    expect(() => port.revealInFolder('/out/a.png')).toThrow(DesktopUnavailableError);
    await port.openPath('/out');
    port.notify('Batch finished', '4 images');
    expect(lines.join('')).toContain('"path":"/out"');
    expect(lines.join('')).toContain('"title":"Batch finished"');
  });

  it('does not support launch at login', () => {
    const port = desktop();
    port.setLaunchAtLogin(true);
    expect(port.getLaunchAtLogin()).toBe(false);
    expect(lines.join('')).toContain('not supported in headless mode');
  });
});
