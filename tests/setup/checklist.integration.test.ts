import { readFileSync } from 'node:fs';
import { afterEach, describe, expect, it } from 'vitest';
import { checklistViewSchema, type ChecklistView } from '../../shared/dashboard-api.js';
import { checklistFileOf } from '../../electron/setup/checklist-record.js';
import { removeDirs, sd15Models, startTestCore, until, type CoreFixture } from '../core/harness.js';
import { apiOf, eventually, isEvent, openEvents } from '../dashboard/helpers.js';
import { startFakeComfyUI, type FakeComfyUI } from '../fakes/fake-comfyui.js';
import { connect, eras } from '../mcp/harness.js';

/*
 * The first-run checklist on a real core: each step read from the route and seen advancing on the live-events
 * socket as the fake ComfyUI comes up, gets its model, a real MCP client connects and generates; what must
 * survive a restart is in the data folder, and the window's start page follows it.
 */

const cleanups: (() => Promise<void> | void)[] = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

async function fakeDown(): Promise<FakeComfyUI> {
  const comfy = await startFakeComfyUI({ stepMs: 2 });
  await comfy.kill();
  cleanups.push(() => comfy.close());
  return comfy;
}

async function core(urls: string[], dataDir?: string): Promise<CoreFixture> {
  const fixture = await startTestCore({ urls, ...(dataDir ? { dataDir } : {}) });
  cleanups.push(async () => {
    await fixture.core.stop();
  });
  return fixture;
}

const stepStates = (view: ChecklistView) =>
  Object.fromEntries(view.steps.map((step) => [step.id, step.state]));

describe('first-run checklist', () => {
  it('advances step by step, live, and remembers the agent, the image and completion', async () => {
    const comfy = await fakeDown();
    const fixture = await core([comfy.url]);
    cleanups.push(() => removeDirs(fixture.dataDir, fixture.outputDir));
    const api = apiOf(fixture.core);
    const checklist = async () => checklistViewSchema.parse((await api.call('/api/checklist')).json());
    // A first run: the window opens on the checklist.
    expect(fixture.core.startPageUrl).toBe(`${fixture.core.dashboardUrl}#/checklist`);

    await until(() => fixture.core.pool.snapshot()[0]?.problem !== undefined, 'first probe failed');
    expect(stepStates(await checklist())).toEqual({
      comfyui: 'todo',
      model: 'waiting',
      agent: 'todo',
      image: 'waiting',
    });

    const events = await openEvents(fixture.core);
    if (events.kind !== 'open') throw new Error(`events refused: ${events.status}`);
    cleanups.push(() => events.socket.close());
    const seen = (predicate: (view: ChecklistView) => boolean, description: string) =>
      until(
        () => events.events.filter(isEvent('checklist')).some((event) => predicate(event.checklist)),
        description,
      );

    await comfy.restart();
    await seen(
      (view) => stepStates(view).comfyui === 'done' && stepStates(view).model === 'todo',
      'ComfyUI done',
    );

    comfy.setModels(sd15Models);
    // Reading the checklist re-reads model lists older than a second; the change also goes out as an event.
    await eventually(async () => stepStates(await checklist()).model === 'done', 'model done on a reload');
    await seen((candidate) => stepStates(candidate).model === 'done', 'model event');

    const agent = await connect('2026', new URL(fixture.core.mcpUrl), {
      token: fixture.core.settings.get().mcpToken,
    });
    cleanups.push(() => agent.close());
    await seen((candidate) => stepStates(candidate).agent === 'done', 'agent event');
    expect(stepStates(await checklist())).toMatchObject({ agent: 'done', image: 'todo' });
    const recorded = JSON.parse(readFileSync(checklistFileOf(fixture.dataDir), 'utf8')) as Record<
      string,
      string
    >;
    expect(recorded.agentConnectedAt).toMatch(/^\d{4}-\d\d-\d\dT/);
    expect(recorded.completedAt).toBeUndefined();

    const result = await agent.callTool('generate_image', { prompt: 'a lighthouse', width: 64, height: 64 });
    expect(result.isError).toBeFalsy();
    await seen((candidate) => candidate.complete, 'complete event');
    const done = await checklist();
    expect(done).toMatchObject({ complete: true, dismissed: false });
    const after = JSON.parse(readFileSync(checklistFileOf(fixture.dataDir), 'utf8')) as Record<
      string,
      string
    >;
    expect(after.firstImageAt).toBeDefined();
    expect(after.completedAt).toBeDefined();

    // The next start on this data folder opens on Status.
    await agent.close();
    await fixture.core.stop();
    const again = await core([comfy.url], fixture.dataDir);
    expect(again.core.startPageUrl).toBe(again.core.dashboardUrl);
    removeDirs(again.outputDir);
  });

  it.each(eras)('counts a %s-era client connecting over HTTP as an agent', async (era) => {
    const comfy = await fakeDown();
    const fixture = await core([comfy.url]);
    cleanups.push(() => removeDirs(fixture.dataDir, fixture.outputDir));
    const api = apiOf(fixture.core);
    const agentState = async () =>
      stepStates(checklistViewSchema.parse((await api.call('/api/checklist')).json())).agent;
    expect(await agentState()).toBe('todo');
    // A request without the token reaches no MCP server: it is no agent.
    const refused = await fetch(fixture.core.mcpUrl, {
      method: 'POST',
      headers: { 'Content-Type': 'application/json', Accept: 'application/json, text/event-stream' },
      body: JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'initialize', params: {} }),
    });
    expect(refused.status).toBe(401);
    expect(await agentState()).toBe('todo');
    const agent = await connect(era, new URL(fixture.core.mcpUrl), {
      token: fixture.core.settings.get().mcpToken,
    });
    cleanups.push(() => agent.close());
    expect(await agentState()).toBe('done');
  });

  it('is dismissed for good: later starts open on Status, the view stays reachable', async () => {
    const comfy = await fakeDown();
    const fixture = await core([comfy.url]);
    cleanups.push(() => removeDirs(fixture.dataDir, fixture.outputDir));
    const api = apiOf(fixture.core);
    const reply = await api.call('/api/checklist/dismiss', { method: 'POST' });
    expect(reply.status).toBe(200);
    expect(checklistViewSchema.parse(reply.json())).toMatchObject({ dismissed: true, complete: false });
    expect(checklistViewSchema.parse((await api.call('/api/checklist')).json()).dismissed).toBe(true);
    expect((await api.call('/api/checklist/dismiss')).status).toBe(405);

    await fixture.core.stop();
    const again = await core([comfy.url], fixture.dataDir);
    expect(again.core.startPageUrl).toBe(again.core.dashboardUrl);
    const view = checklistViewSchema.parse((await apiOf(again.core).call('/api/checklist')).json());
    expect(view).toMatchObject({ dismissed: true });
    removeDirs(again.outputDir);
  });
});
