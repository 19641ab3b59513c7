/**
 * Pure decisions of the save-path policy: which file names are safe on every platform and whether a path lies
 * inside a folder. No file-system access here, so every rule is testable on any OS.
 */
import path from 'node:path';

/** Linux NAME_MAX is 255 bytes; Windows and macOS allow 255 UTF-16 units, so bytes is the strict common limit. */
export const maxNameBytes = 255;
/** Linux PATH_MAX. */
export const maxPathBytes = 4096;

// Windows maps these names to devices whatever the extension ("NUL.png" is the null device), and also with the
// superscript digits that Windows folds to 1–3.
const deviceName = /^(con|prn|aux|nul|conin\$|conout\$|com[0-9¹²³]|lpt[0-9¹²³])(\..*)?$/iu;
// eslint-disable-next-line no-control-regex -- control characters are exactly what this rule looks for
const reservedCharacter = /[<>:"|?*\u0000-\u001f]/u;

/**
 * Why `name` (one path segment, not "." or "..") is unsafe as a file or folder name, or undefined when it is fine.
 * The rules are those of the strictest platform (Windows), applied everywhere: a project folder is often shared
 * between operating systems, and an agent should get the same answer wherever the bridge runs.
 */
export function findNameProblem(name: string): string | undefined {
  if (name.length === 0) return 'an empty name';
  if (reservedCharacter.test(name))
    return `"${printable(name)}" contains a character Windows reserves (< > : " | ? * or a control character)`;
  if (deviceName.test(name)) return `"${name}" is a Windows device name (CON, PRN, AUX, NUL, COM1–9, LPT1–9)`;
  if (/[. ]$/u.test(name)) return `"${name}" ends with a dot or a space, which Windows silently drops`;
  if (Buffer.byteLength(name, 'utf8') > maxNameBytes) return `a name longer than ${maxNameBytes} bytes`;
  return undefined;
}

/**
 * Why the raw path text is unsafe before it is even resolved, or undefined. Checks each segment in its NFC form and
 * in its NFKC compatibility form, so that look-alikes such as FULLWIDTH FULL STOP pairs ("．．") or the two-dot
 * leader ("‥"), which some file systems and tools fold to "..", cannot smuggle a traversal past the checks.
 */
export function findPathTextProblem(rawPath: string): string | undefined {
  if (rawPath.length === 0) return 'the path is empty';
  if (rawPath.includes('\u0000')) return 'the path contains a NUL byte';
  if (Buffer.byteLength(rawPath, 'utf8') > maxPathBytes)
    return `the path is longer than ${maxPathBytes} bytes`;
  const { root, segments } = splitPath(rawPath);
  for (const segment of segments) {
    if (segment === '.' || segment === '..') continue;
    const compatible = segment.normalize('NFKC');
    if (compatible !== segment.normalize('NFC')) {
      if (/[/\\]/u.test(compatible) || compatible === '..' || compatible === '.') {
        return `"${segment}" looks like a path separator or ".." once Unicode-normalised`;
      }
      const compatibleProblem = findNameProblem(compatible);
      if (compatibleProblem) return `once Unicode-normalised, ${compatibleProblem}`;
    }
    const problem = findNameProblem(segment);
    if (problem) return problem;
  }
  if (root === '' && segments.length === 0) return 'the path is empty';
  return undefined;
}

/**
 * Splits a path written with either separator. Backslashes count as separators on every platform: an agent on
 * Windows may send "public\\hero.png" to a bridge on Linux, where a literal backslash in a file name is never
 * what it meant.
 */
export function splitPath(rawPath: string): { root: string; segments: string[] } {
  const unified = rawPath.replace(/\\/gu, '/');
  const drive = /^[a-zA-Z]:(?=\/|$)/u.exec(unified)?.[0] ?? '';
  const rest = unified.slice(drive.length);
  const root = drive + (rest.startsWith('/') ? '/' : '');
  const segments = rest.split('/').filter((s) => s.length > 0);
  return { root, segments };
}

/** True when the text names a folder rather than a file ("out/", "out/.", "..", or nothing but a root). */
export function namesFolder(rawPath: string): boolean {
  const { segments } = splitPath(rawPath);
  const last = segments.at(-1);
  return last === undefined || last === '.' || last === '..' || /[/\\]$/u.test(rawPath);
}

/**
 * Whether `candidate` is `folder` or lies below it. Both must be absolute and normalised. Case-insensitive where
 * the platform's file systems usually are (Windows, macOS), so "C:\\Out" and "c:\\out" are the same folder.
 */
export function isInsideFolder(
  candidate: string,
  folder: string,
  platform: NodeJS.Platform = process.platform,
): boolean {
  const fold = platform === 'win32' || platform === 'darwin';
  const paths = platform === 'win32' ? path.win32 : path.posix;
  const a = fold ? candidate.toLowerCase() : candidate;
  const b = fold ? folder.toLowerCase() : folder;
  const relative = paths.relative(b, a);
  if (relative === '') return true;
  return relative !== '..' && !relative.startsWith('..' + paths.sep) && !paths.isAbsolute(relative);
}

export function printable(name: string): string {
  // eslint-disable-next-line no-control-regex -- showing control characters as escapes in the error message
  return name.replace(/[\u0000-\u001f]/gu, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`);
}
