import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { packageRootOf } from '../dashboard/package-files.js';

/*
 * The agent's playbook: the Claude Code plugin's skill file is its one source, and the MCP server serves the same
 * text as prompts and as a resource to clients without skills (prompts.ts). Read from the package on first use,
 * not at start-up: the stdio shim must answer `initialize` before it reads anything.
 */

/** Where the skill lives in the package (npm's allow-list and electron-builder's `files` carry it). */
export const SKILL_PATH = join('plugins', 'comfyui-images', 'skills', 'comfyui-images', 'SKILL.md');

export interface Playbook {
  /** The skill's `description` (when to use it). */
  description: string;
  /** The Markdown after the front matter. */
  body: string;
  /** The text before the first `## ` section. */
  preamble: string;
  /** The `## ` sections by title, each with its heading. */
  sections: ReadonlyMap<string, string>;
}

/** Parses a SKILL.md: YAML front matter (only `description` is read: one plain line) and `## ` sections. */
export function parsePlaybook(markdown: string): Playbook {
  const text = markdown.replaceAll('\r\n', '\n');
  const frontMatter = /^---\n([\s\S]*?)\n---\n/.exec(text);
  if (!frontMatter) throw new Error('the playbook has no front matter');
  const description = /^description:\s*(.+)$/m.exec(frontMatter[1]!)?.[1]?.trim();
  if (!description) throw new Error('the playbook front matter has no description');
  const body = text.slice(frontMatter[0].length).trim();
  const [preamble, ...rest] = body.split(/^(?=## )/m);
  const sections = new Map<string, string>();
  for (const section of rest) {
    const title = /^## (.+)$/m.exec(section)![1]!.trim();
    sections.set(title, section.trim());
  }
  return { description, body, preamble: preamble!.trim(), sections };
}

/** The playbook text for one task: the preamble and the named sections, in the order given. */
export function playbookFor(playbook: Playbook, titles: readonly string[]): string {
  const parts = titles.map((title) => {
    const section = playbook.sections.get(title);
    if (section === undefined) throw new Error(`the playbook has no section "${title}"`);
    return section;
  });
  return [playbook.preamble, ...parts].join('\n\n');
}

let bundled: Playbook | undefined;

/** The package's own playbook, read once. */
export function bundledPlaybook(): Playbook {
  if (bundled) return bundled;
  const root = packageRootOf(import.meta.dirname);
  if (root === undefined) throw new Error(`the package root (with ${SKILL_PATH}) was not found`);
  bundled = parsePlaybook(readFileSync(join(root, SKILL_PATH), 'utf8'));
  return bundled;
}
