import { mkdir, mkdtemp, realpath, rm, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createPathPolicy, PathPolicyError, type PathPolicy } from '../../electron/images/path-policy.js';
import { findNameProblem, findPathTextProblem, isInsideFolder } from '../../electron/images/path-rules.js';

let sandbox: string;
let project: string;
let output: string;
let outsider: string;
let policy: PathPolicy;

beforeEach(async () => {
  sandbox = await realpath(await mkdtemp(path.join(tmpdir(), 'path-policy-')));
  project = path.join(sandbox, 'project');
  output = path.join(sandbox, 'output');
  outsider = path.join(sandbox, 'outsider');
  await Promise.all([mkdir(project), mkdir(output), mkdir(outsider)]);
  policy = createPathPolicy({ allowedRoots: [project, output] });
});

afterEach(async () => {
  await rm(sandbox, { recursive: true, force: true });
});

async function refusal(promise: Promise<unknown>): Promise<PathPolicyError> {
  const error = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(PathPolicyError);
  return error as PathPolicyError;
}

describe('checkSavePath', () => {
  it("gives resolveSavePath's path and whether a file is already there", async () => {
    const anchors = { baseDir: project, defaultDir: output };
    await mkdir(path.join(project, 'public'));
    await expect(policy.checkSavePath('public/hero.png', anchors)).resolves.toEqual({
      path: path.join(project, 'public', 'hero.png'),
      exists: false,
    });
    await writeFile(path.join(project, 'public', 'hero.png'), 'x');
    await expect(policy.checkSavePath('public/hero.png', anchors)).resolves.toEqual({
      path: path.join(project, 'public', 'hero.png'),
      exists: true,
    });
    await expect(policy.checkSavePath('new/folder/hero.png', anchors)).resolves.toEqual({
      path: path.join(project, 'new', 'folder', 'hero.png'),
      exists: false,
    });
  });
});

describe('resolveSavePath', () => {
  it('anchors relative paths to the project, else to the output folder', async () => {
    await expect(
      policy.resolveSavePath('public/hero.png', { baseDir: project, defaultDir: output }),
    ).resolves.toBe(path.join(project, 'public', 'hero.png'));
    await expect(policy.resolveSavePath('hero.png', { defaultDir: output })).resolves.toBe(
      path.join(output, 'hero.png'),
    );
  });

  it('accepts backslashes as separators and ".." that stays inside a root', async () => {
    await expect(
      policy.resolveSavePath('public\\img\\a.png', { baseDir: project, defaultDir: output }),
    ).resolves.toBe(path.join(project, 'public', 'img', 'a.png'));
    await expect(
      policy.resolveSavePath('a/../b.png', { baseDir: project, defaultDir: output }),
    ).resolves.toBe(path.join(project, 'b.png'));
  });

  it('refuses ../ traversal out of every root and names the allowed folders and how to add one', async () => {
    const error = await refusal(
      policy.resolveSavePath('../outsider/x.png', { baseDir: project, defaultDir: output }),
    );
    expect(error.reason).toBe('outside-allowed-folders');
    expect(error.message).toContain(project);
    expect(error.message).toContain(output);
    expect(error.message).toContain('Settings → Allowed folders');
    expect(error.message).toContain('--allow-dir');
    expect(
      (await refusal(policy.resolveSavePath('..\\..\\etc\\x.png', { baseDir: project, defaultDir: output })))
        .reason,
    ).toBe('outside-allowed-folders');
  });

  it('refuses absolute paths outside the roots, including a sibling with a common prefix', async () => {
    const sibling = project + '-evil';
    expect(
      (await refusal(policy.resolveSavePath(path.join(outsider, 'a.png'), { defaultDir: output }))).reason,
    ).toBe('outside-allowed-folders');
    expect(
      (await refusal(policy.resolveSavePath(path.join(sibling, 'a.png'), { defaultDir: output }))).reason,
    ).toBe('outside-allowed-folders');
    await expect(
      policy.resolveSavePath(path.join(output, 'deep', 'a.png'), { defaultDir: output }),
    ).resolves.toBe(path.join(output, 'deep', 'a.png'));
  });

  it('refuses a symbolic link in a parent folder that leads outside', async () => {
    await symlink(outsider, path.join(project, 'escape'), 'dir');
    const error = await refusal(
      policy.resolveSavePath('escape/new/x.png', { baseDir: project, defaultDir: output }),
    );
    expect(error.reason).toBe('symlink');
    expect(error.message).toContain(outsider);
  });

  it('allows a symbolic link that stays inside the allowed folders', async () => {
    await symlink(output, path.join(project, 'to-output'), 'dir');
    await expect(
      policy.resolveSavePath('to-output/x.png', { baseDir: project, defaultDir: output }),
    ).resolves.toBe(path.join(project, 'to-output', 'x.png'));
  });

  it('refuses a symbolic link as the final component, even a dangling one', async () => {
    await writeFile(path.join(outsider, 'target.png'), 'x');
    await symlink(path.join(outsider, 'target.png'), path.join(project, 'link.png'));
    await symlink(path.join(outsider, 'missing.png'), path.join(project, 'dangling.png'));
    expect(
      (await refusal(policy.resolveSavePath('link.png', { baseDir: project, defaultDir: output }))).reason,
    ).toBe('symlink');
    expect(
      (await refusal(policy.resolveSavePath('dangling.png', { baseDir: project, defaultDir: output })))
        .reason,
    ).toBe('symlink');
  });

  it('refuses writing onto a directory, or below a file', async () => {
    await mkdir(path.join(project, 'images.png'));
    await writeFile(path.join(project, 'notes.txt'), 'x');
    expect(
      (await refusal(policy.resolveSavePath('images.png', { baseDir: project, defaultDir: output }))).reason,
    ).toBe('is-directory');
    expect(
      (await refusal(policy.resolveSavePath('public/', { baseDir: project, defaultDir: output }))).reason,
    ).toBe('is-directory');
    expect(
      (await refusal(policy.resolveSavePath('.', { baseDir: project, defaultDir: output }))).reason,
    ).toBe('is-directory');
    expect(
      (await refusal(policy.resolveSavePath('notes.txt/a.png', { baseDir: project, defaultDir: output })))
        .reason,
    ).toBe('parent-not-directory');
  });

  it('names the file in the way, however far below it the path goes, and through a link to it', async () => {
    await writeFile(path.join(project, 'notes.txt'), 'x');
    await symlink(path.join(project, 'notes.txt'), path.join(project, 'notes-link'));
    const deep = await refusal(
      policy.resolveSavePath('notes.txt/sub/deeper/a.png', { baseDir: project, defaultDir: output }),
    );
    expect(deep.reason).toBe('parent-not-directory');
    expect(deep.message).toContain(`"${path.join(project, 'notes.txt')}" is a file`);
    const linked = await refusal(
      policy.resolveSavePath('notes-link/a.png', { baseDir: project, defaultDir: output }),
    );
    expect(linked.reason).toBe('parent-not-directory');
    expect(linked.message).toContain(`"${path.join(project, 'notes-link')}" is a file`);
  });

  it.each([
    ['CON', 'device'],
    ['nul.png', 'device'],
    ['sub/COM1.webp', 'device'],
    ['LPT¹.png', 'device'],
    ['a<b.png', 'reserves'],
    ['what?.png', 'reserves'],
    ['tab\there.png', 'reserves'],
    ['trailing.png.', 'dot'],
    ['nul\u0000.png', 'NUL'],
    ['', 'empty'],
    ['x'.repeat(252) + '.png', '255 bytes'],
    ['é'.repeat(126) + '.png', '255 bytes'],
  ])('refuses the unsafe name %j (%s)', async (name, hint) => {
    const error = await refusal(policy.resolveSavePath(name, { baseDir: project, defaultDir: output }));
    expect(error.reason).toBe('invalid-path');
    expect(error.message.toLowerCase()).toContain(hint.toLowerCase());
  });

  it('refuses Unicode look-alikes that normalise to traversal, separators or device names', async () => {
    for (const sneaky of [
      '\uFF0E\uFF0E/outsider/x.png',
      '\u2025/outsider/x.png',
      'a\uFF0Fb.png',
      '\uFF23\uFF2F\uFF2E.png',
    ]) {
      const error = await refusal(policy.resolveSavePath(sneaky, { baseDir: project, defaultDir: output }));
      expect(error.reason, sneaky).toBe('invalid-path');
      expect(error.message).toContain('normalised');
    }
  });

  it('writes names in NFC so NFD input lands on the same file', async () => {
    const decomposed = 'cafe\u0301.png';
    await expect(policy.resolveSavePath(decomposed, { baseDir: project, defaultDir: output })).resolves.toBe(
      path.join(project, 'caf\u00e9.png'),
    );
  });

  it('refuses everything when no folder is allowed, and follows setAllowedRoots', async () => {
    policy.setAllowedRoots([]);
    const error = await refusal(policy.resolveSavePath('x.png', { defaultDir: output }));
    expect(error.reason).toBe('no-allowed-folders');
    expect(error.message).toContain('Settings → Allowed folders');
    policy.setAllowedRoots([outsider]);
    expect(policy.allowedRoots()).toEqual([outsider]);
    await expect(policy.resolveSavePath(path.join(outsider, 'x.png'), { defaultDir: output })).resolves.toBe(
      path.join(outsider, 'x.png'),
    );
  });
});

describe('checkReadablePath', () => {
  it('returns existing files and folders inside the roots', async () => {
    await writeFile(path.join(project, 'a.png'), 'x');
    await expect(policy.checkReadablePath('a.png', { baseDir: project })).resolves.toBe(
      path.join(project, 'a.png'),
    );
    await expect(policy.checkReadablePath(output)).resolves.toBe(output);
  });

  it('refuses missing files, files outside, and links out', async () => {
    await writeFile(path.join(outsider, 'secret.png'), 'x');
    await symlink(path.join(outsider, 'secret.png'), path.join(project, 'peek.png'));
    expect((await refusal(policy.checkReadablePath(path.join(project, 'none.png')))).reason).toBe(
      'not-found',
    );
    expect((await refusal(policy.checkReadablePath(path.join(outsider, 'secret.png')))).reason).toBe(
      'outside-allowed-folders',
    );
    expect((await refusal(policy.checkReadablePath(path.join(project, 'peek.png')))).reason).toBe('symlink');
    expect((await refusal(policy.checkReadablePath('relative.png'))).reason).toBe('invalid-path');
  });
});

describe('path rules', () => {
  it('accepts ordinary names, including non-Latin ones', () => {
    for (const name of ['hero.png', 'Ünïcødé 图片.webp', 'console.png', 'com10.png', '.hidden.png']) {
      expect(findNameProblem(name), name).toBeUndefined();
    }
    expect(findPathTextProblem('./public/../images/hero.png')).toBeUndefined();
  });

  it('compares folders by whole segments, case-insensitively on Windows and macOS only', () => {
    expect(isInsideFolder('/a/b/c.png', '/a/b', 'linux')).toBe(true);
    expect(isInsideFolder('/a/bc/c.png', '/a/b', 'linux')).toBe(false);
    expect(isInsideFolder('/a/b/..c.png', '/a/b', 'linux')).toBe(true);
    expect(isInsideFolder('/A/B/c.png', '/a/b', 'linux')).toBe(false);
    expect(isInsideFolder('/A/B/c.png', '/a/b', 'darwin')).toBe(true);
    expect(isInsideFolder('C:\\Out\\x.png', 'c:\\out', 'win32')).toBe(true);
    expect(isInsideFolder('D:\\out\\x.png', 'C:\\out', 'win32')).toBe(false);
  });
});
