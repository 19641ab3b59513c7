import { act, cleanup, fireEvent, render, screen, waitFor } from '@testing-library/react';
import { afterEach, describe, expect, it, vi } from 'vitest';
import type { ChecklistView } from '../../shared/dashboard-api.js';
import { App } from '../../renderer/src/App.js';
import type { ApiClient } from '../../renderer/src/api/client.js';
import { ApiError } from '../../renderer/src/api/errors.js';
import { checklistProgress, checklistWanted } from '../../renderer/src/state/checklist.js';
import { fakeClient, statusView } from './fixtures.js';

afterEach(() => {
  cleanup();
  window.location.hash = '';
});

function checklist(states: ChecklistView['steps'][number]['state'][], extra: Partial<ChecklistView> = {}) {
  const ids = ['comfyui', 'model', 'agent', 'image'] as const;
  const steps = ids.map((id, index) => ({ id, state: states[index]! }));
  return {
    steps,
    complete: steps.every((step) => step.state === 'done'),
    dismissed: false,
    comfyuiUrls: ['http://127.0.0.1:8188'],
    canStartComfyui: false,
    ...extra,
  } satisfies ChecklistView;
}

function renderApp(view: string, client: ApiClient) {
  window.location.hash = `#/${view}`;
  return render(<App client={client} />);
}

const step = (name: RegExp) => screen.getByRole('listitem', { name });

describe('checklist state', () => {
  it('counts the steps done and is wanted until finished or dismissed', () => {
    expect(checklistProgress(checklist(['done', 'todo', 'todo', 'waiting']))).toEqual({ done: 1, total: 4 });
    expect(checklistWanted(checklist(['done', 'todo', 'todo', 'waiting']))).toBe(true);
    expect(checklistWanted(checklist(['done', 'done', 'done', 'done']))).toBe(false);
    expect(checklistWanted(checklist(['todo', 'waiting', 'todo', 'waiting'], { dismissed: true }))).toBe(
      false,
    );
  });
});

describe('the checklist page', () => {
  it('shows each step and advances on checklist events without a reload', async () => {
    const live = fakeClient({
      checklist: () => Promise.resolve(checklist(['todo', 'waiting', 'todo', 'waiting'])),
      models: () => Promise.resolve({ local: false, runnable: false, installs: [] }),
    });
    renderApp('checklist', live.client);
    await screen.findByRole('listitem', { name: 'ComfyUI found: to do' });
    expect(step(/A model that runs: waiting/)).toBeTruthy();
    expect(step(/An agent connected: to do/).textContent).toMatch(/Connect an agent/);
    expect(step(/ComfyUI found/).textContent).toMatch(/comfyuiStartCommand/);
    expect(screen.queryByRole('button', { name: 'Start ComfyUI' })).toBeNull();

    act(() => live.emit({ type: 'checklist', checklist: checklist(['done', 'done', 'done', 'todo']) }));
    expect(step(/ComfyUI found: done/)).toBeTruthy();
    expect(step(/First image made: to do/).textContent).toMatch(/generate_image/);
    expect(screen.getByText('3 of 4 done.')).toBeTruthy();
  });

  it('offers Start ComfyUI when a command is configured, and shows what it started or why not', async () => {
    const startComfyui = vi
      .fn<ApiClient['startComfyui']>()
      .mockRejectedValueOnce(new ApiError('start_command_failed', '"python" was not found.', 500))
      .mockResolvedValueOnce({ pid: 4242, logFile: '/data/logs/comfyui.log' });
    const live = fakeClient({
      checklist: () =>
        Promise.resolve(checklist(['todo', 'waiting', 'todo', 'waiting'], { canStartComfyui: true })),
      startComfyui,
    });
    renderApp('checklist', live.client);
    const button = await screen.findByRole('button', { name: 'Start ComfyUI' });
    fireEvent.click(button);
    expect((await screen.findByRole('alert')).textContent).toBe('"python" was not found.');
    fireEvent.click(button);
    const started = await screen.findByText(/Started \(process 4242\)/);
    expect(started.textContent).toContain('/data/logs/comfyui.log');
    expect(startComfyui).toHaveBeenCalledTimes(2);
  });

  it('dismisses and goes to Status, which still links the checklist', async () => {
    let current = checklist(['done', 'todo', 'todo', 'waiting']);
    const dismissChecklist = vi.fn(() => {
      current = { ...current, dismissed: true };
      return Promise.resolve(current);
    });
    const live = fakeClient({
      checklist: () => Promise.resolve(current),
      dismissChecklist,
      status: () => Promise.resolve(statusView()),
      models: () => Promise.resolve({ local: true, runnable: true, installs: [] }),
    });
    renderApp('status', live.client);
    expect((await screen.findByText(/Getting started: 1 of 4 done/)).textContent).toMatch(
      /Open the checklist/,
    );
    act(() => {
      window.location.hash = '#/checklist';
      window.dispatchEvent(new HashChangeEvent('hashchange'));
    });
    fireEvent.click(await screen.findByRole('button', { name: 'Dismiss the checklist' }));
    await waitFor(() => expect(window.location.hash).toBe('#/status'));
    expect(dismissChecklist).toHaveBeenCalledOnce();
    act(() => {
      window.dispatchEvent(new HashChangeEvent('hashchange'));
    });
    expect((await screen.findByRole('link', { name: 'First-run checklist' })).getAttribute('href')).toBe(
      '#/checklist',
    );
  });
});
