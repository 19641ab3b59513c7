import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { parsePlaybook, playbookFor, SKILL_PATH } from '../../electron/mcp/playbook.js';
import { RESULT_VIEW_URI } from '../../electron/mcp/app/spec.js';
import { PLAYBOOK_PROMPT, PLAYBOOK_URI, taskPrompts } from '../../electron/mcp/prompts.js';
import { isBuilt, notBuiltMessage, packageRoot } from '../cli/built-cli.js';
import { removeDirs, startSd15Fake, startTestCore, type CoreFixture } from '../core/harness.js';
import type { FakeComfyUI } from '../fakes/fake-comfyui.js';
import { connect, type E2eClient, type Era, type Via } from './clients.js';

/*
 * Issue 14 §2: the skill file served to clients without skills, as MCP prompts (the whole playbook, and one per
 * task with the user's request) and as a text/markdown resource, over HTTP and through the built stdio shim, to
 * both client eras. The expected texts are read from the skill file itself: it is their one source.
 */

const connections: [Era, Via][] = [
  ['2025', 'http'],
  ['2026', 'http'],
  ['2025', 'stdio'],
  ['2026', 'stdio'],
];
if (!isBuilt) console.warn(`tests/mcp-e2e/playbook: ${notBuiltMessage}`);
const runnable = connections.filter(([, via]) => via === 'http' || isBuilt);

const skill = parsePlaybook(readFileSync(join(packageRoot, SKILL_PATH), 'utf8'));

describe.each(runnable)('%s-era client over %s', (era, via) => {
  let fake: FakeComfyUI;
  let fixture: CoreFixture;
  let shimCwd: string;
  let client: E2eClient | undefined;

  beforeAll(async () => {
    fake = await startSd15Fake(2);
    fixture = await startTestCore({ urls: [fake.url] });
    shimCwd = mkdtempSync(join(tmpdir(), 'bridge-shim-cwd-'));
  });
  afterEach(async () => {
    await client?.close();
    client = undefined;
  });
  afterAll(async () => {
    await fixture.core.stop();
    await fake.close();
    removeDirs(fixture.dataDir, fixture.outputDir, shimCwd);
  });

  const open = async () => {
    client = await connect(era, via, {
      mcpUrl: fixture.core.mcpUrl,
      token: fixture.core.settings.get().mcpToken,
      shimArgs: ['--data-dir', fixture.dataDir],
      cwd: shimCwd,
    });
    return client;
  };

  it('lists the playbook prompt and one prompt per task, each task taking the request', async () => {
    const { prompts } = await (await open()).listPrompts();
    expect(prompts.map((prompt) => prompt.name).sort()).toEqual(
      [PLAYBOOK_PROMPT, 'comfyui_batch', 'comfyui_edit', 'comfyui_generate'].sort(),
    );
    expect(prompts.find((prompt) => prompt.name === PLAYBOOK_PROMPT)!.arguments ?? []).toEqual([]);
    for (const name of ['comfyui_batch', 'comfyui_edit', 'comfyui_generate']) {
      expect(prompts.find((prompt) => prompt.name === name)!.arguments).toEqual([
        expect.objectContaining({ name: 'request', required: true }),
      ]);
    }
  });

  it('gives the whole skill as the playbook prompt', async () => {
    const { messages } = await (await open()).getPrompt(PLAYBOOK_PROMPT);
    expect(messages).toEqual([{ role: 'user', content: { type: 'text', text: skill.body } }]);
  });

  it('gives each task prompt the request and the sections of the skill that task needs', async () => {
    const agent = await open();
    const request = 'a hero image of a lighthouse at dusk for public/hero.webp, 1920x1080';
    for (const task of taskPrompts) {
      const { messages } = await agent.getPrompt(task.name, { request });
      expect(messages).toHaveLength(1);
      const text = messages[0]!.content.text!;
      expect(text).toContain(request);
      expect(text).toContain(playbookFor(skill, task.sections));
    }
    const generate = (await agent.getPrompt('comfyui_generate', { request })).messages[0]!.content.text!;
    expect(generate).toContain('## One image');
    expect(generate).not.toContain('## Editing');
  });

  it('refuses a task prompt without its request', async () => {
    await expect((await open()).getPrompt('comfyui_edit', {})).rejects.toThrow();
  });

  it('serves the skill as a text/markdown resource', async () => {
    const agent = await open();
    const { resources } = await agent.listResources();
    // The playbook and the MCP App's view (mcp/app/), nothing else.
    expect(resources.map((resource) => resource.uri).sort()).toEqual([PLAYBOOK_URI, RESULT_VIEW_URI].sort());
    expect(resources.find((resource) => resource.uri === PLAYBOOK_URI)).toMatchObject({
      mimeType: 'text/markdown',
    });
    expect((await agent.readResource(PLAYBOOK_URI)).contents).toEqual([
      { uri: PLAYBOOK_URI, mimeType: 'text/markdown', text: skill.body },
    ]);
  });
});
