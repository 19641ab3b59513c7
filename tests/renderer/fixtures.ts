import type {
  BatchView,
  ConnectInfo,
  DashboardEvent,
  GalleryItem,
  ItemView,
  SettingsView,
  StatusView,
  WorkflowView,
} from '../../shared/dashboard-api.js';
import { settingsViewSchema } from '../../shared/dashboard-api.js';
import type { ApiClient, EventsHandlers } from '../../renderer/src/api/client.js';

/*
 * In-test data shaped by the shared contract, and an ApiClient stand-in whose answers a test sets and whose
 * events socket a test drives.
 */

export function statusView(overrides: Partial<StatusView> = {}): StatusView {
  return {
    version: '0.1.0',
    mcpUrl: 'http://127.0.0.1:8190/mcp',
    outputDir: '/home/me/Pictures/ComfyUI MCP Bridge',
    dataDir: '/home/me/.config/comfyui-mcp-bridge',
    backends: [
      {
        url: 'http://127.0.0.1:8188',
        reachable: true,
        version: '0.3.64',
        devices: [
          {
            name: 'cuda:0 NVIDIA GeForce RTX 4090',
            type: 'cuda',
            vramTotal: 24 * 1024 ** 3,
            vramFree: 20 * 1024 ** 3,
          },
        ],
        queueRemaining: 0,
        inFlight: 0,
        since: '2026-11-24T10:00:00.000Z',
      },
    ],
    queue: { pending: 0, running: 0, paused: false },
    ...overrides,
  };
}

export function itemView(index: number, overrides: Partial<ItemView> = {}): ItemView {
  return {
    jobId: `job-${index}`,
    index,
    state: 'pending',
    prompt: `a lighthouse at dusk ${index}`,
    width: 512,
    height: 512,
    seed: 1000 + index,
    workflow: 'sd15',
    ...overrides,
  };
}

export function batchView(id: string, items: ItemView[], overrides: Partial<BatchView> = {}): BatchView {
  const count = (state: ItemView['state']) => items.filter((item) => item.state === state).length;
  return {
    id,
    createdAt: '2026-11-24T10:00:00.000Z',
    priority: 'batch',
    done: items.every((item) => ['completed', 'failed', 'cancelled'].includes(item.state)),
    counts: {
      total: items.length,
      completed: count('completed'),
      pending: count('pending'),
      running: count('running'),
      failed: count('failed'),
      cancelled: count('cancelled'),
    },
    items,
    ...overrides,
  };
}

export function galleryItem(index: number, overrides: Partial<GalleryItem> = {}): GalleryItem {
  return {
    id: `img-${index}`,
    path: `/home/me/site/public/hero-${index}.png`,
    prompt: `hero image ${index}`,
    seed: index,
    width: 768,
    height: 512,
    format: 'png',
    bytes: 123_456,
    workflow: 'sdxl',
    backend: 'http://127.0.0.1:8188',
    createdAt: '2026-11-24T10:00:00.000Z',
    fileState: 'present',
    ...overrides,
  };
}

export function workflowView(id: string, overrides: Partial<WorkflowView> = {}): WorkflowView {
  return {
    id,
    source: 'bundled',
    file: `/app/workflows/${id}.json`,
    status: 'ok',
    title: id.toUpperCase(),
    description: `The ${id} workflow.`,
    family: 'sd15',
    models: [{ file: 'v1-5-pruned-emaonly-fp16.safetensors', folder: 'checkpoints' }],
    parameters: [
      { name: 'prompt', nodeId: '6', classType: 'CLIPTextEncode', input: 'text', source: 'detected' },
      { name: 'width', nodeId: '5', classType: 'EmptyLatentImage', input: 'width', source: 'detected' },
    ],
    outputNodeIds: ['9'],
    notes: [],
    validation: [{ backend: 'http://127.0.0.1:8188', runnable: true, messages: [] }],
    ...overrides,
  };
}

export function settingsView(overrides: Partial<SettingsView> = {}): SettingsView {
  return { ...settingsViewSchema.parse({}), outputDir: '/out', ...overrides };
}

export const connectInfo: ConnectInfo = {
  mcpUrl: 'http://127.0.0.1:8190/mcp',
  networkMcpUrls: [],
  shim: { command: '/usr/bin/comfyui-mcp-bridge', args: ['stdio'] },
  mcpb: { fileName: 'comfyui-mcp-bridge-0.1.0-linux-x64.mcpb', available: false },
  snippets: [
    {
      client: 'claude-code',
      title: 'Claude Code',
      where: 'terminal',
      text: 'claude mcp add --transport http --scope user comfyui http://127.0.0.1:8190/mcp',
    },
    {
      client: 'cursor',
      title: 'Cursor',
      where: '.cursor/mcp.json',
      text: '{"mcpServers":{"comfyui":{"url":"http://127.0.0.1:8190/mcp"}}}',
    },
  ],
};

type Answers = { [Name in keyof ApiClient]?: ApiClient[Name] };

/** An ApiClient whose methods a test replaces, plus `emit` to push live events and `open` to (re)connect. */
export function fakeClient(answers: Answers = {}) {
  const handlers = new Set<EventsHandlers>();
  const fail = (name: string) => () => Promise.reject(new Error(`${name} not set up in this test`));
  const client: ApiClient = {
    token: 'test-token',
    status: fail('status'),
    batches: fail('batches'),
    cancelBatch: fail('cancelBatch'),
    gallery: fail('gallery'),
    deleteImage: fail('deleteImage'),
    revealImage: fail('revealImage'),
    workflows: fail('workflows'),
    settings: fail('settings'),
    updateSettings: fail('updateSettings'),
    connect: fail('connect'),
    models: fail('models'),
    downloadModel: fail('downloadModel'),
    checklist: fail('checklist'),
    dismissChecklist: fail('dismissChecklist'),
    startComfyui: fail('startComfyui'),
    imageUrl: (id, kind) => `http://bridge.test/api/gallery/${id}/${kind}?token=test-token`,
    mcpbUrl: () => 'http://bridge.test/api/connect/mcpb?token=test-token',
    subscribe(handler) {
      handlers.add(handler);
      return () => handlers.delete(handler);
    },
    ...answers,
  };
  return {
    client,
    emit(event: DashboardEvent) {
      handlers.forEach((handler) => handler.onEvent(event));
    },
    open() {
      handlers.forEach((handler) => {
        handler.onStateChange?.('open');
        handler.onOpen?.();
      });
    },
  };
}
