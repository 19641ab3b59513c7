import { cleanup, fireEvent, render, screen, waitFor } from '@testing-library/react';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { App } from '../../renderer/src/App.js';
import type { ApiClient } from '../../renderer/src/api/client.js';
import { fakeClient, settingsView, statusView, workflowView } from './fixtures.js';

/*
 * Issue 11 §3: settings a command-line flag or environment variable set win for the run. The Settings view
 * shows them read-only with what set them and never sends them; the Workflows view offers no "Make default"
 * while a flag chose the default.
 */

afterEach(() => {
  cleanup();
  window.location.hash = '';
});

function renderApp(view: string, client: ApiClient) {
  window.location.hash = `#/${view}`;
  return render(<App client={client} />);
}

describe('settings set by a flag', () => {
  it('are read-only, say which flag or variable set them, and are never sent', async () => {
    // A flag's URL as typed, trailing slash and all: the form normalises URLs, which must not become an edit.
    const saved = settingsView({ comfyuiUrls: ['http://gpu.lan:8188/'], port: 9100 });
    const locked = { comfyuiUrls: '--comfyui', port: 'COMFYUI_MCP_PORT' };
    const updateSettings = vi.fn((patch: object) =>
      Promise.resolve({ settings: { ...saved, ...patch }, restartRequired: [], locked }),
    );
    const live = fakeClient({
      status: () => Promise.resolve(statusView()),
      settings: () => Promise.resolve({ settings: saved, restartRequired: [], locked }),
      updateSettings,
    });
    renderApp('settings', live.client);

    const urls = await screen.findByLabelText<HTMLTextAreaElement>('ComfyUI servers');
    expect(urls.readOnly).toBe(true);
    expect(urls.value).toBe('http://gpu.lan:8188/');
    expect(screen.getByText(/^Set by --comfyui for this run/)).toBeTruthy();
    const port = screen.getByLabelText<HTMLInputElement>('Port');
    expect(port.readOnly).toBe(true);
    expect(screen.getByText(/^Set by COMFYUI_MCP_PORT for this run/)).toBeTruthy();
    // The others stay editable, with their usual help.
    expect(screen.getByLabelText<HTMLInputElement>('Output folder').readOnly).toBe(false);
    expect(screen.getByText('Where images go when an agent gives no folder.')).toBeTruthy();

    fireEvent.change(screen.getByLabelText('Default wait (seconds)'), { target: { value: '30' } });
    fireEvent.click(screen.getByRole('button', { name: 'Save' }));
    await waitFor(() => expect(updateSettings).toHaveBeenCalledTimes(1));
    expect(updateSettings).toHaveBeenCalledWith({ defaultWaitSeconds: 30 });
    expect(await screen.findByText('Saved; in effect now.')).toBeTruthy();
    // Still read-only after the save (the answer's lock list is kept).
    expect(screen.getByLabelText<HTMLTextAreaElement>('ComfyUI servers').readOnly).toBe(true);
  });

  it('leave every field editable when nothing is locked', async () => {
    const live = fakeClient({
      status: () => Promise.resolve(statusView()),
      settings: () => Promise.resolve({ settings: settingsView(), restartRequired: [] }),
    });
    renderApp('settings', live.client);
    expect((await screen.findByLabelText<HTMLTextAreaElement>('ComfyUI servers')).readOnly).toBe(false);
    expect(screen.queryByText(/^Set by /)).toBeNull();
  });

  it('offer no "Make default" while --workflow chose the default, and say so', async () => {
    const list = {
      defaultId: 'sd15',
      defaultReason: 'the chosen default',
      userFolder: '/data/workflows',
      defaultLockedBy: '--workflow',
      workflows: [workflowView('sd15'), workflowView('sdxl')],
    };
    const live = fakeClient({
      status: () => Promise.resolve(statusView()),
      workflows: () => Promise.resolve(list),
    });
    renderApp('workflows', live.client);
    expect(await screen.findByText(/for this run: flags win over the dashboard/)).toBeTruthy();
    expect(screen.getByText('--workflow').tagName).toBe('CODE');
    expect(screen.queryByRole('button', { name: /^Make .* the default$/ })).toBeNull();
  });
});
