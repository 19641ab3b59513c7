// One file: every view rendered through App with the same fake client (fixtures.ts) and hash routing.
import { act, cleanup, fireEvent, render, screen, waitFor, within } from '@testing-library/react';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { App } from '../../renderer/src/App.js';
import type { ApiClient } from '../../renderer/src/api/client.js';
import { ApiError } from '../../renderer/src/api/errors.js';
import { LiveProvider } from '../../renderer/src/state/live.js';
import { Lightbox } from '../../renderer/src/views/Lightbox.js';
import {
  batchView,
  connectInfo,
  fakeClient,
  galleryItem,
  itemView,
  settingsView,
  statusView,
  workflowView,
} from './fixtures.js';

afterEach(() => {
  cleanup();
  window.location.hash = '';
});

function renderApp(view: string, client: ApiClient) {
  window.location.hash = `#/${view}`;
  return render(<App client={client} />);
}

describe('the page without a token', () => {
  it('says where to open the dashboard from instead of failing quietly', () => {
    const { client } = fakeClient();
    render(<App client={{ ...client, token: undefined }} />);
    expect(screen.getByRole('alert').textContent).toMatch(/tray menu.*Dashboard:/);
  });
});

describe('connection status', () => {
  it('flips the indicator when a status event says ComfyUI went away, and shows what to try', async () => {
    const up = statusView();
    const live = fakeClient({ status: () => Promise.resolve(up) });
    renderApp('status', live.client);
    const indicator = await screen.findByRole('status', { name: /Connection: ComfyUI connected/ });
    expect(screen.queryByText(/No ComfyUI answers/)).toBeNull();
    expect(screen.getByText(/20\.0 GB free of 24\.0 GB VRAM/)).toBeTruthy();

    const down = {
      ...up,
      backends: [{ ...up.backends[0]!, reachable: false, problem: 'Connection refused.' }],
    };
    act(() => live.emit({ type: 'status', status: down }));
    expect(indicator.getAttribute('aria-label')).toBe('Connection: ComfyUI not reachable');
    expect(indicator.dataset.state).toBe('unreachable');
    const hint = screen.getByRole('note');
    expect(hint.textContent).toMatch(/Start ComfyUI/);
    expect(hint.textContent).toMatch(/8000/);
    expect(screen.getByText('Connection refused.')).toBeTruthy();
  });

  it('shows a CPU device as CPU with RAM, not as VRAM', async () => {
    const base = statusView();
    const cpu = {
      ...base,
      backends: [
        {
          ...base.backends[0]!,
          devices: [{ name: 'cpu', type: 'cpu', vramTotal: 25_276_026_880, vramFree: 23_986_651_136 }],
        },
      ],
    };
    renderApp('status', fakeClient({ status: () => Promise.resolve(cpu) }).client);
    const devices = await screen.findByRole('list', { name: 'Devices of http://127.0.0.1:8188' });
    expect(devices.textContent).toBe('CPU — 22.3 GB free of 23.5 GB RAM');
  });

  it('says the bridge is not answering when the status cannot be loaded', async () => {
    const live = fakeClient({ status: () => Promise.reject(new TypeError('Failed to fetch')) });
    renderApp('status', live.client);
    expect((await screen.findByRole('alert')).textContent).toMatch(/Could not load the status/);
  });
});

describe('a wrong dashboard token', () => {
  it('says the token is wrong and how to get the right one, with commands as code, not as backticks', async () => {
    const refused = new ApiError(
      'unauthorized',
      'Missing or wrong dashboard token: open the dashboard from the tray, or with the URL `serve` printed.',
      401,
    );
    renderApp('status', fakeClient({ status: () => Promise.reject(refused) }).client);
    const indicator = await screen.findByRole('status', { name: 'Connection: Wrong access token' });
    expect(indicator.dataset.state).toBe('wrong-token');
    expect(indicator.textContent).not.toMatch(/not answering/);
    const alert = screen.getByRole('alert');
    expect(alert.textContent).toMatch(/access token in this page's address is wrong/);
    expect(alert.textContent).not.toContain('`');
    const code = [...alert.querySelectorAll('code')].map((element) => element.textContent);
    expect(code).toEqual(['Dashboard:', 'comfyui-mcp-bridge serve', 'dashboardToken', 'settings.json']);
  });
});

describe('batches', () => {
  it('moves per-image bars on progress events, shows each state and cancels', async () => {
    const batch = batchView('b-20', [
      itemView(0, { state: 'running' }),
      itemView(1),
      itemView(2, { state: 'failed', error: { code: 'model_missing', message: 'Install the checkpoint.' } }),
    ]);
    const cancelBatch = vi.fn(() => Promise.resolve({ cancelled: 2, alreadyFinished: 1 }));
    const live = fakeClient({
      status: () => Promise.resolve(statusView()),
      batches: () => Promise.resolve({ batches: [batch] }),
      cancelBatch,
    });
    renderApp('batches', live.client);
    const first = await screen.findByRole('progressbar', { name: 'Image 1 progress' });
    expect(first.getAttribute('aria-valuenow')).toBe('0');
    expect(screen.getByText('Install the checkpoint.')).toBeTruthy();

    act(() => live.emit({ type: 'progress', batchId: 'b-20', jobId: 'job-0', value: 15, max: 20 }));
    expect(first.getAttribute('aria-valuenow')).toBe('75');

    const finished = batchView('b-20', [
      itemView(0, { state: 'completed', imageId: 'img-0', path: '/out/a.png' }),
      itemView(1, { state: 'completed', imageId: 'img-1', path: '/out/b.png' }),
      itemView(2, { state: 'failed' }),
    ]);
    act(() => live.emit({ type: 'batch', batch: finished }));
    expect(screen.getByText('2 of 3 done, 1 failed')).toBeTruthy();
    expect(screen.getByRole('progressbar', { name: 'Image 2 progress' }).getAttribute('aria-valuenow')).toBe(
      '100',
    );
    expect(screen.queryByRole('button', { name: /Cancel batch/ })).toBeNull();
    expect(screen.getAllByRole('button', { name: /^Open Image/ })).toHaveLength(2);

    act(() => live.emit({ type: 'batch', batch: batchView('b-21', [itemView(0)]) }));
    fireEvent.click(screen.getByRole('button', { name: 'Cancel batch b-21' }));
    expect(cancelBatch).toHaveBeenCalledWith('b-21');
  });

  it('shows the running item forming with its step and ETA, then the finished thumbnail', async () => {
    const running = batchView('b-30', [itemView(0, { state: 'running' }), itemView(1)]);
    const live = fakeClient({
      status: () => Promise.resolve(statusView()),
      batches: () => Promise.resolve({ batches: [running] }),
    });
    renderApp('batches', live.client);
    const row = (await screen.findByRole('progressbar', { name: 'Image 1 progress' })).closest('li')!;
    expect(within(row).queryByRole('img')).toBeNull();

    const frame = (n: number) => `data:image/jpeg;base64,${btoa(`frame ${n}`)}`;
    act(() => live.emit({ type: 'progress', batchId: 'b-30', jobId: 'job-0', value: 1, max: 20 }));
    act(() => live.emit({ type: 'preview', batchId: 'b-30', jobId: 'job-0', image: frame(1) }));
    expect(within(row).getByRole('img', { name: 'Image 1 forming' }).getAttribute('src')).toBe(frame(1));
    // One step seen: no rate yet, so no ETA.
    expect(within(row).getByText('Step 1/20')).toBeTruthy();

    act(() => live.emit({ type: 'progress', batchId: 'b-30', jobId: 'job-0', value: 2, max: 20 }));
    act(() => live.emit({ type: 'preview', batchId: 'b-30', jobId: 'job-0', image: frame(2) }));
    expect(within(row).getByRole('img', { name: 'Image 1 forming' }).getAttribute('src')).toBe(frame(2));
    expect(within(row).getByText(/^Step 2\/20 · (about \d+ (s|min) left|finishing)$/)).toBeTruthy();
    // Another item's frame stays on that item.
    const other = screen.getByRole('progressbar', { name: 'Image 2 progress' }).closest('li')!;
    expect(within(other).queryByRole('img')).toBeNull();

    const done = batchView('b-30', [
      itemView(0, { state: 'completed', imageId: 'img-0', path: '/out/a.png' }),
      itemView(1, { state: 'running' }),
    ]);
    act(() => live.emit({ type: 'batch', batch: done }));
    expect(within(row).queryByRole('img', { name: 'Image 1 forming' })).toBeNull();
    expect(within(row).getByRole('img', { name: 'Image 1' }).getAttribute('src')).toBe(
      'http://bridge.test/api/gallery/img-0/thumbnail?token=test-token',
    );
    expect(within(row).queryByText(/^Step/)).toBeNull();
    // A frame that arrives late for a finished job changes nothing.
    act(() => live.emit({ type: 'preview', batchId: 'b-30', jobId: 'job-0', image: frame(3) }));
    expect(within(row).getByRole('img', { name: 'Image 1' })).toBeTruthy();
  });

  it('forgets the previews when the events socket reconnects (what was sampled meanwhile is unknown)', async () => {
    const running = batchView('b-31', [itemView(0, { state: 'running' })]);
    const live = fakeClient({
      status: () => Promise.resolve(statusView()),
      batches: () => Promise.resolve({ batches: [running] }),
    });
    renderApp('batches', live.client);
    const row = (await screen.findByRole('progressbar', { name: 'Image 1 progress' })).closest('li')!;
    act(() =>
      live.emit({ type: 'preview', batchId: 'b-31', jobId: 'job-0', image: 'data:image/png;base64,AAAA' }),
    );
    expect(within(row).getByRole('img', { name: 'Image 1 forming' })).toBeTruthy();
    act(() => live.open());
    expect(within(row).queryByRole('img', { name: 'Image 1 forming' })).toBeNull();
    act(() =>
      live.emit({ type: 'preview', batchId: 'b-31', jobId: 'job-0', image: 'data:image/png;base64,BBBB' }),
    );
    expect(within(row).getByRole('img', { name: 'Image 1 forming' }).getAttribute('src')).toBe(
      'data:image/png;base64,BBBB',
    );
  });

  it('explains where batches come from when there are none', async () => {
    const live = fakeClient({
      status: () => Promise.resolve(statusView()),
      batches: () => Promise.resolve({ batches: [] }),
    });
    renderApp('batches', live.client);
    const empty = (await screen.findByText('No batches yet.')).parentElement!;
    expect(within(empty).getByRole('link', { name: 'Connect an agent' }).getAttribute('href')).toBe(
      '#/connect',
    );
  });
});

describe('settings', () => {
  it('refuses a malformed URL with advice, then saves only what changed and says what needs a restart', async () => {
    const saved = settingsView({ comfyuiUrls: ['http://127.0.0.1:8188'] });
    const updateSettings = vi.fn((patch: object) =>
      Promise.resolve({ settings: { ...saved, ...patch }, restartRequired: 'port' in patch ? ['port'] : [] }),
    );
    const live = fakeClient({
      status: () => Promise.resolve(statusView()),
      settings: () => Promise.resolve({ settings: saved, restartRequired: [] }),
      updateSettings,
    });
    renderApp('settings', live.client);
    const urls = await screen.findByLabelText('ComfyUI servers');
    fireEvent.change(urls, { target: { value: '127.0.0.1:8188' } });
    fireEvent.click(screen.getByRole('button', { name: 'Save' }));
    expect(urls.getAttribute('aria-invalid')).toBe('true');
    expect(screen.getByText(/write it like http:\/\/127\.0\.0\.1:8188/)).toBeTruthy();
    expect(updateSettings).not.toHaveBeenCalled();

    fireEvent.change(urls, { target: { value: 'http://127.0.0.1:8188\nhttp://gpu.lan:8188' } });
    fireEvent.change(screen.getByLabelText('Port'), { target: { value: '9100' } });
    fireEvent.click(screen.getByRole('button', { name: 'Save' }));
    expect(updateSettings).toHaveBeenCalledWith({
      comfyuiUrls: ['http://127.0.0.1:8188', 'http://gpu.lan:8188'],
      port: 9100,
    });
    expect(await screen.findByText(/Restart the bridge for port/)).toBeTruthy();
    expect(screen.getByLabelText<HTMLTextAreaElement>('ComfyUI servers').value).toBe(
      'http://127.0.0.1:8188\nhttp://gpu.lan:8188',
    );
  });

  it('shows in an empty folder field the folder it stands for, and saves none of it', async () => {
    const saved = settingsView({ outputDir: '', userWorkflowsDir: '' });
    const folderDefaults = {
      outputDir: '/home/me/Pictures/ComfyUI MCP Bridge',
      userWorkflowsDir: '/data/workflows',
    };
    const updateSettings = vi.fn((patch: object) =>
      Promise.resolve({ settings: { ...saved, ...patch }, restartRequired: [], folderDefaults }),
    );
    const live = fakeClient({
      status: () => Promise.resolve(statusView()),
      settings: () => Promise.resolve({ settings: saved, restartRequired: [], folderDefaults }),
      updateSettings,
    });
    renderApp('settings', live.client);
    const output = await screen.findByLabelText<HTMLInputElement>('Output folder');
    const workflows = screen.getByLabelText<HTMLInputElement>('Your workflows folder');
    expect([output.value, output.placeholder]).toEqual(['', '/home/me/Pictures/ComfyUI MCP Bridge']);
    expect([workflows.value, workflows.placeholder]).toEqual(['', '/data/workflows']);

    fireEvent.change(screen.getByLabelText('Default wait (seconds)'), { target: { value: '30' } });
    fireEvent.click(screen.getByRole('button', { name: 'Save' }));
    expect(updateSettings).toHaveBeenCalledWith({ defaultWaitSeconds: 30 });
    expect(await screen.findByText('Saved; in effect now.')).toBeTruthy();
    expect(screen.getByLabelText<HTMLInputElement>('Your workflows folder').placeholder).toBe(
      '/data/workflows',
    );
  });
});

describe('workflows', () => {
  it('shows parameters and per-backend validation, reloads on a workflows event and sets the default', async () => {
    let list = {
      defaultId: 'sd15',
      defaultReason: 'the first bundled workflow every backend can run',
      userFolder: '/data/workflows',
      workflows: [
        workflowView('sd15'),
        workflowView('sdxl', {
          validation: [
            {
              backend: 'http://127.0.0.1:8188',
              runnable: false,
              messages: ['Missing model sd_xl_base_1.0.safetensors.'],
            },
          ],
        }),
      ],
    };
    const updateSettings = vi.fn(() =>
      Promise.resolve({ settings: settingsView({ defaultWorkflow: 'mine' }), restartRequired: [] }),
    );
    const live = fakeClient({
      status: () => Promise.resolve(statusView()),
      workflows: () => Promise.resolve(list),
      updateSettings,
    });
    renderApp('workflows', live.client);
    expect(await screen.findByText(/Cannot run on/)).toBeTruthy();
    expect(screen.getByText(/Missing model sd_xl_base_1\.0\.safetensors/)).toBeTruthy();
    expect(screen.getByText(/You have not added workflows/)).toBeTruthy();

    list = {
      ...list,
      workflows: [
        ...list.workflows,
        workflowView('mine', {
          source: 'user',
          title: 'My portrait flow',
          parameters: [
            { name: 'seed', nodeId: '3', classType: 'KSampler', input: 'seed', source: 'placeholder' },
          ],
        }),
      ],
    };
    act(() => live.emit({ type: 'workflows' }));
    const parameters = await screen.findByRole('list', { name: 'Parameters of My portrait flow' });
    expect(within(parameters).getByText('seed')).toBeTruthy();

    fireEvent.click(screen.getByRole('button', { name: 'Make My portrait flow the default' }));
    expect(updateSettings).toHaveBeenCalledWith({ defaultWorkflow: 'mine' });
  });
});

describe('where a workflow runs', () => {
  it('lists several reasons a backend cannot run it one per line, not as one run-on paragraph', async () => {
    const messages = ['Node 3 needs flux1-schnell.safetensors.', 'Node 4 needs ae.safetensors.'];
    const live = fakeClient({
      status: () => Promise.resolve(statusView()),
      workflows: () =>
        Promise.resolve({
          defaultId: 'sd15',
          defaultReason: 'the first bundled workflow every backend can run',
          userFolder: '/data/workflows',
          workflows: [
            workflowView('flux', {
              validation: [{ backend: 'http://127.0.0.1:8188', runnable: false, messages }],
            }),
            workflowView('sdxl', {
              validation: [{ backend: 'http://127.0.0.1:8188', runnable: false, messages: [messages[1]!] }],
            }),
          ],
        }),
    });
    renderApp('workflows', live.client);
    const flux = await screen.findByRole('list', { name: 'Where FLUX runs' });
    expect(
      within(flux)
        .getAllByRole('listitem')
        .map((item) => item.textContent),
    ).toEqual([`Cannot run on http://127.0.0.1:8188:${messages.join('')}`, ...messages]);
    // One reason stays on its line.
    const sdxl = screen.getByRole('list', { name: 'Where SDXL runs' });
    expect(
      within(sdxl)
        .getAllByRole('listitem')
        .map((item) => item.textContent),
    ).toEqual([`Cannot run on http://127.0.0.1:8188: ${messages[1]}`]);
  });
});

describe('workflows without their models', () => {
  it('links each model file to its download, next to the ComfyUI folder it goes in', async () => {
    const url =
      'https://huggingface.co/Comfy-Org/stable-diffusion-v1-5-archive/resolve/main/v1-5-pruned-emaonly-fp16.safetensors';
    const sd15 = workflowView('sd15', {
      models: [{ file: 'v1-5-pruned-emaonly-fp16.safetensors', folder: 'checkpoints', url }],
    });
    const list = {
      defaultReason: 'No bundled workflow has all its models on any backend.',
      userFolder: '/w',
      workflows: [sd15],
    };
    renderApp('workflows', fakeClient({ workflows: () => Promise.resolve(list) }).client);
    const link = await screen.findByRole('link', { name: 'download' });
    expect(link.getAttribute('href')).toBe(url);
    expect(screen.getByText('checkpoints/v1-5-pruned-emaonly-fp16.safetensors')).toBeTruthy();
  });
});

describe('lightbox', () => {
  function renderLightbox(deleteImage: ApiClient['deleteImage'], revealImage?: ApiClient['revealImage']) {
    const live = fakeClient({ deleteImage, ...(revealImage ? { revealImage } : {}) });
    const onClose = vi.fn();
    const onDeleted = vi.fn();
    render(
      <LiveProvider client={live.client}>
        <Lightbox image={galleryItem(7, { seed: 4242 })} onClose={onClose} onDeleted={onDeleted} />
      </LiveProvider>,
    );
    return { onClose, onDeleted };
  }

  it('shows the recorded facts and the full image', () => {
    renderLightbox(() => Promise.reject(new Error('unused')));
    const dialog = screen.getByRole('dialog', { name: 'hero-7.png' });
    for (const text of [
      'hero image 7',
      '4242',
      '768 × 512 PNG, 120.6 KB',
      'sdxl',
      'http://127.0.0.1:8188',
      '/home/me/site/public/hero-7.png',
    ])
      expect(within(dialog).getByText(text)).toBeTruthy();
    expect(within(dialog).getByRole('img').getAttribute('src')).toBe(
      'http://bridge.test/api/gallery/img-7/full?token=test-token',
    );
  });

  it('deletes only after confirmation', async () => {
    const deleteImage = vi.fn(() =>
      Promise.resolve({
        deleted: true as const,
        file: 'trashed' as const,
        message: 'Moved to the trash: /home/me/site/public/hero-7.png.',
      }),
    );
    const { onDeleted } = renderLightbox(deleteImage);
    fireEvent.click(screen.getByRole('button', { name: 'Delete…' }));
    const confirm = screen.getByRole('dialog', { name: 'Delete this image?' });
    expect(document.activeElement?.textContent).toBe('Keep it');
    fireEvent.click(within(confirm).getByRole('button', { name: 'Keep it' }));
    expect(screen.queryByRole('dialog', { name: 'Delete this image?' })).toBeNull();
    expect(deleteImage).not.toHaveBeenCalled();

    fireEvent.click(screen.getByRole('button', { name: 'Delete…' }));
    fireEvent.click(
      within(screen.getByRole('dialog', { name: 'Delete this image?' })).getByRole('button', {
        name: 'Delete',
      }),
    );
    expect(deleteImage).toHaveBeenCalledWith('img-7');
    await waitFor(() =>
      expect(onDeleted).toHaveBeenCalledWith('img-7', 'Moved to the trash: /home/me/site/public/hero-7.png.'),
    );
  });

  it('says when the file is no longer the one the entry made, and that deleting leaves it alone', () => {
    const live = fakeClient();
    render(
      <LiveProvider client={live.client}>
        <Lightbox
          image={galleryItem(7, { fileState: 'replaced', fileNote: 'another file is at its path' })}
          onClose={vi.fn()}
          onDeleted={vi.fn()}
        />
      </LiveProvider>,
    );
    const dialog = screen.getByRole('dialog', { name: 'hero-7.png' });
    expect(within(dialog).getByText('File moved or deleted')).toBeTruthy();
    expect(within(dialog).getByText('Replaced')).toBeTruthy();
    expect(dialog.textContent).toMatch(/another file is at its path/);
    // The file at the path is not this entry's image, so it is not shown as such.
    expect(within(dialog).queryByRole('img')).toBeNull();
    fireEvent.click(screen.getByRole('button', { name: 'Delete…' }));
    const confirm = screen.getByRole('dialog', { name: 'Delete this image?' });
    expect(confirm.textContent).toMatch(/stays where it is/);
    expect(confirm.textContent).not.toMatch(/moves to the trash/);
  });

  it('says "File moved or deleted" when the image goes between the listing and its loading', () => {
    const live = fakeClient();
    render(
      <LiveProvider client={live.client}>
        <Lightbox image={galleryItem(8)} onClose={vi.fn()} onDeleted={vi.fn()} />
      </LiveProvider>,
    );
    const dialog = screen.getByRole('dialog', { name: 'hero-8.png' });
    fireEvent.error(within(dialog).getByRole('img'));
    expect(within(dialog).getByText('File moved or deleted')).toBeTruthy();
    expect(within(dialog).queryByRole('img')).toBeNull();
  });

  it('says when reveal in folder is not available (headless), instead of claiming it showed the file', async () => {
    const message =
      'Reveal in folder needs the desktop app; this bridge runs headless (serve). Its folder is /home/me/site/public.';
    renderLightbox(
      () => Promise.reject(new Error('unused')),
      () => Promise.reject(new ApiError('not_available', message, 501)),
    );
    fireEvent.click(screen.getByRole('button', { name: 'Reveal in folder' }));
    expect((await screen.findByRole('alert')).textContent).toBe(message);
    expect(screen.queryByText('Shown in the file manager.')).toBeNull();
  });

  it('closes on Escape', () => {
    const { onClose } = renderLightbox(() => Promise.reject(new Error('unused')));
    fireEvent.keyDown(screen.getByRole('dialog'), { key: 'Escape' });
    expect(onClose).toHaveBeenCalledOnce();
  });
});

describe('connect an agent', () => {
  it('shows each snippet and copies it', async () => {
    const writeText = vi.fn(() => Promise.resolve());
    Object.defineProperty(navigator, 'clipboard', { value: { writeText }, configurable: true });
    const live = fakeClient({
      status: () => Promise.resolve(statusView()),
      connect: () => Promise.resolve(connectInfo),
    });
    renderApp('connect', live.client);
    fireEvent.click(await screen.findByRole('button', { name: 'Copy the Cursor snippet' }));
    await waitFor(() => expect(writeText).toHaveBeenCalled());
    expect(writeText).toHaveBeenCalledWith('{"mcpServers":{"comfyui":{"url":"http://127.0.0.1:8190/mcp"}}}');
    expect(await screen.findByRole('button', { name: 'Copy the Cursor snippet' })).toHaveProperty(
      'textContent',
      'Copied',
    );
    expect(screen.getByText('.cursor/mcp.json')).toBeTruthy();
    expect(screen.queryByText(/From another machine/)).toBeNull();
  });

  it('offers the built Claude Desktop extension as a download, else says how to build it', async () => {
    const built = fakeClient({
      status: () => Promise.resolve(statusView()),
      connect: () => Promise.resolve({ ...connectInfo, mcpb: { ...connectInfo.mcpb, available: true } }),
    });
    const { unmount } = renderApp('connect', built.client);
    const download = await screen.findByRole('link', { name: 'Download the extension' });
    expect(download.getAttribute('href')).toBe(built.client.mcpbUrl());
    expect(download.getAttribute('download')).toBe(connectInfo.mcpb.fileName);
    unmount();

    const notBuilt = fakeClient({
      status: () => Promise.resolve(statusView()),
      connect: () => Promise.resolve(connectInfo),
    });
    renderApp('connect', notBuilt.client);
    expect((await screen.findByText(/No extension was built/)).textContent).toContain('npm run dist:mcpb');
    expect(screen.queryByRole('link', { name: 'Download the extension' })).toBeNull();
  });

  it('lists the addresses other machines use when the bridge is bound beyond loopback', async () => {
    const networkMcpUrls = ['http://192.168.1.5:8190/mcp', 'http://[fd00::2]:8190/mcp'];
    const live = fakeClient({
      status: () => Promise.resolve(statusView()),
      connect: () => Promise.resolve({ ...connectInfo, networkMcpUrls }),
    });
    renderApp('connect', live.client);
    expect((await screen.findByText(/From another machine/)).textContent).toBe(
      `From another machine, use ${networkMcpUrls.join(' or ')} in place of that address, with the same token.`,
    );
  });
});
