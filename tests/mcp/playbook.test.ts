import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parsePlaybook, playbookFor, SKILL_PATH } from '../../electron/mcp/playbook.js';
import { taskPrompts } from '../../electron/mcp/prompts.js';
import { SERVER_INSTRUCTIONS } from '../../electron/mcp/server-identity.js';
import { PLAYBOOK_PROMPT, PLAYBOOK_URI } from '../../electron/mcp/prompts.js';

/* The skill file parsed into the sections the task prompts are made of (prompts.ts). */

const source = readFileSync(join(import.meta.dirname, '../..', SKILL_PATH), 'utf8');

describe('the playbook', () => {
  const playbook = parsePlaybook(source);

  it('reads the description and the body after the front matter', () => {
    expect(playbook.description).toMatch(/^Generate, batch, edit/);
    expect(playbook.body.startsWith('# Images with ComfyUI')).toBe(true);
    expect(playbook.body).not.toContain('description:');
  });

  it('has every section a task prompt names', () => {
    for (const task of taskPrompts) {
      for (const title of task.sections) expect(playbook.sections.has(title), title).toBe(true);
    }
  });

  it('says how to wait (≤ 45 s per call) and what to do on errors', () => {
    expect(playbook.sections.get('Waiting')).toMatch(/45 s/);
    expect(playbook.sections.get('Errors')).toMatch(/`file_exists`/);
  });

  it('puts a task text together from the preamble and the sections, in order', () => {
    const text = playbookFor(playbook, ['Errors', 'One image']);
    expect(text.startsWith(playbook.preamble)).toBe(true);
    expect(text.indexOf('## Errors')).toBeLessThan(text.indexOf('## One image'));
    expect(text).not.toContain('## Editing');
  });

  it('refuses a section it does not have, and a file without front matter', () => {
    expect(() => playbookFor(playbook, ['Nope'])).toThrow(/no section "Nope"/);
    expect(() => parsePlaybook('# no front matter')).toThrow(/front matter/);
  });
});

it('the server instructions stay short and point to the playbook', () => {
  expect(SERVER_INSTRUCTIONS.length).toBeLessThan(800);
  expect(SERVER_INSTRUCTIONS).toContain(PLAYBOOK_PROMPT);
  expect(SERVER_INSTRUCTIONS).toContain(PLAYBOOK_URI);
});
