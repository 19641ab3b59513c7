import { describe, expect, it } from 'vitest';
import { CommandLineError, splitCommandLine } from '../../electron/setup/command-line.js';

describe('splitCommandLine', () => {
  it('splits on whitespace, any amount', () => {
    expect(splitCommandLine('  /usr/bin/python3   main.py --port 8188 ', 'linux')).toEqual([
      '/usr/bin/python3',
      'main.py',
      '--port',
      '8188',
    ]);
  });

  it('keeps quoted words whole, single quotes literally, double quotes with \\" and \\\\', () => {
    expect(splitCommandLine(`"/opt/Comfy UI/python" 'a "b" \\c' "x \\"y\\" \\\\ \\n"`, 'linux')).toEqual([
      '/opt/Comfy UI/python',
      'a "b" \\c',
      'x "y" \\ \\n',
    ]);
    expect(splitCommandLine(`''`, 'linux')).toEqual(['']);
    expect(splitCommandLine(`pre"fix suf"fix`, 'linux')).toEqual(['prefix suffix']);
  });

  it('gives shell characters no meaning: variables, globs, pipes and separators are plain text', () => {
    expect(splitCommandLine('run $HOME *.py | tee x; rm -rf ~ && `id`', 'linux')).toEqual([
      'run',
      '$HOME',
      '*.py',
      '|',
      'tee',
      'x;',
      'rm',
      '-rf',
      '~',
      '&&',
      '`id`',
    ]);
  });

  it('escapes with a backslash on POSIX, and keeps it as a path separator on Windows', () => {
    expect(splitCommandLine('a\\ b', 'linux')).toEqual(['a b']);
    expect(splitCommandLine('C:\\ComfyUI\\run.bat --x', 'win32')).toEqual(['C:\\ComfyUI\\run.bat', '--x']);
    expect(splitCommandLine('"C:\\Program Files\\ComfyUI\\ComfyUI.exe"', 'win32')).toEqual([
      'C:\\Program Files\\ComfyUI\\ComfyUI.exe',
    ]);
  });

  it('refuses an unclosed quote', () => {
    expect(() => splitCommandLine('python "main.py', 'linux')).toThrow(CommandLineError);
    expect(() => splitCommandLine("python 'main.py", 'linux')).toThrow(/unclosed ' quote/);
  });

  it('gives nothing for an empty or blank command', () => {
    expect(splitCommandLine('', 'linux')).toEqual([]);
    expect(splitCommandLine(' \t\n', 'linux')).toEqual([]);
  });
});
