/*
 * Pure readers for the docs test: what a Markdown file names in code (flags, variables, identifiers), its
 * sections, and its links. Deliberately small: the README's own conventions, not a Markdown parser.
 */

/** The text of every inline code span and fenced code block, in order. */
export function codeTexts(markdown: string): string[] {
  const texts: string[] = [];
  const fence = /^```[^\n]*\n([\s\S]*?)^```/gmu;
  for (const block of markdown.matchAll(fence)) texts.push(block[1]!);
  const prose = markdown.replace(fence, '');
  for (const span of prose.matchAll(/`([^`\n]+)`/gu)) texts.push(span[1]!);
  return texts;
}

/** Long options (`--data-dir`) anywhere in the text, prose included, each once. */
export function longFlags(markdown: string): string[] {
  return unique([...markdown.matchAll(/(?<![\w-])--[a-z][a-z0-9-]*/gu)].map((match) => match[0]));
}

/** Short options written as a code span of their own (`-h`). */
export function shortFlags(markdown: string): string[] {
  return unique(codeTexts(markdown).filter((text) => /^-[a-zA-Z]$/u.test(text)));
}

/** Names in code that look like environment variables: upper case with an underscore. */
export function environmentNames(markdown: string): string[] {
  return unique(
    codeTexts(markdown).flatMap((text) =>
      [...text.matchAll(/(?<![\w$])[A-Z][A-Z0-9]*(?:_[A-Z0-9]+)+(?![\w])/gu)].map((match) => match[0]),
    ),
  );
}

/** Code spans that are one snake_case identifier (`save_path`, `queue_full`). */
export function snakeCaseSpans(markdown: string): string[] {
  return unique(
    [...markdown.replace(/^```[\s\S]*?^```/gmu, '').matchAll(/`([a-z][a-z0-9]*(?:_[a-z0-9]+)+)`/gu)].map(
      (match) => match[1]!,
    ),
  );
}

/** The body under a heading (`## Tool reference`) up to the next heading of the same or a higher level. */
export function section(markdown: string, heading: string): string {
  const level = /^#+/u.exec(heading)![0].length;
  const lines = markdown.split('\n');
  const start = lines.indexOf(heading);
  if (start < 0) throw new Error(`no heading "${heading}"`);
  const end = lines.findIndex(
    (line, index) => index > start && /^#+ /u.test(line) && /^#+/u.exec(line)![0].length <= level,
  );
  return lines.slice(start + 1, end < 0 ? undefined : end).join('\n');
}

/**
 * The tool reference's shape: a `### \`tool\`` heading per tool, then bullets that start with the argument
 * names they describe (`- \`width\`, \`height\`: …`).
 */
export function documentedTools(reference: string): Map<string, string[]> {
  const tools = new Map<string, string[]>();
  let current: string[] | undefined;
  for (const line of reference.split('\n')) {
    const heading = /^### `([a-z_]+)`$/u.exec(line);
    if (heading) {
      current = [];
      tools.set(heading[1]!, current);
      continue;
    }
    if (/^#+ /u.test(line)) current = undefined;
    const bullet = /^- ((?:`[a-z_]+`(?:, | and )?)+)/u.exec(line);
    if (current && bullet)
      current.push(...[...bullet[1]!.matchAll(/`([a-z_]+)`/gu)].map((match) => match[1]!));
  }
  return tools;
}

export interface Link {
  target: string;
  /** The file part, empty for a link within the same file. */
  file: string;
  anchor?: string;
}

/** Links and images that point into the repository (not http, not mailto). */
export function relativeLinks(markdown: string): Link[] {
  const prose = markdown.replace(/^```[\s\S]*?^```/gmu, '').replace(/`[^`\n]+`/gu, '');
  return [...prose.matchAll(/\]\(([^)\s]+)(?:\s+"[^"]*")?\)/gu)]
    .map((match) => match[1]!)
    .filter((target) => !/^[a-z][a-z0-9+.-]*:/iu.test(target))
    .map((target) => {
      const [file = '', anchor] = target.split('#');
      return { target, file: decodeURIComponent(file), ...(anchor === undefined ? {} : { anchor }) };
    });
}

/** GitHub's anchors for a file's headings (lower case, punctuation dropped, spaces to hyphens, repeats numbered). */
export function headingAnchors(markdown: string): Set<string> {
  const anchors = new Set<string>();
  const prose = markdown.replace(/^```[\s\S]*?^```/gmu, '');
  for (const heading of prose.matchAll(/^#{1,6} (.+)$/gmu)) {
    const base = heading[1]!
      .trim()
      .toLowerCase()
      .replace(/[^\p{L}\p{N}\s_-]/gu, '')
      .replace(/\s/gu, '-');
    let anchor = base;
    for (let repeat = 1; anchors.has(anchor); repeat++) anchor = `${base}-${repeat}`;
    anchors.add(anchor);
  }
  return anchors;
}

function unique(items: string[]): string[] {
  return [...new Set(items)];
}
