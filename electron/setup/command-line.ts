/*
 * The user's `comfyuiStartCommand` as a program and its arguments, split the way a POSIX shell splits words
 * (whitespace; '…' literal; "…" with \" and \\; a backslash outside quotes escapes the next character, except
 * on Windows, where it is a path separator) but with nothing else of a shell: no variables, globs, pipes or
 * redirections. The program then runs without a shell, so no character in it means more than itself.
 */

export class CommandLineError extends Error {}

export function splitCommandLine(text: string, platform: NodeJS.Platform = process.platform): string[] {
  const words: string[] = [];
  let word = '';
  let inWord = false;
  let quote: "'" | '"' | undefined;
  for (let index = 0; index < text.length; index++) {
    const char = text[index]!;
    if (quote === "'") {
      if (char === "'") quote = undefined;
      else word += char;
    } else if (quote === '"') {
      if (char === '"') quote = undefined;
      else if (char === '\\' && (text[index + 1] === '"' || text[index + 1] === '\\')) word += text[++index];
      else word += char;
    } else if (char === "'" || char === '"') {
      quote = char;
      inWord = true;
    } else if (char === '\\' && platform !== 'win32' && index + 1 < text.length) {
      word += text[++index];
      inWord = true;
    } else if (/\s/u.test(char)) {
      if (inWord) words.push(word);
      word = '';
      inWord = false;
    } else {
      word += char;
      inWord = true;
    }
  }
  if (quote) throw new CommandLineError(`comfyuiStartCommand has an unclosed ${quote} quote.`);
  if (inWord) words.push(word);
  return words;
}
