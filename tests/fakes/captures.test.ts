// One file: each case replays one recorded scenario through the same capture loader and message-shape comparison.
import { readFileSync } from 'node:fs';
import { afterEach, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { startFakeComfyUI, type FakeComfyUI } from './fake-comfyui.js';

/**
 * Replays the scenarios recorded against a real ComfyUI 0.3.64 (comfyui/captures, copied beside this test) on the
 * fake, and checks the fake sends the same messages in the same order with the same shapes.
 */
const captures = (name: string): Record<string, unknown> =>
  JSON.parse(readFileSync(new URL(`./captures/${name}.json`, import.meta.url), 'utf8')) as Record<
    string,
    unknown
  >;

interface Recorded {
  type?: string;
  data?: Record<string, unknown>;
  binary?: boolean;
  eventType?: number;
}

/** "type(node)" for text frames, "bin:N" for binary ones: ids and timestamps differ between runs. */
function signature(messages: Recorded[]): string[] {
  return messages.map((m) => {
    if (m.binary) return `bin:${m.eventType}`;
    const node =
      m.type === 'executing' || m.type === 'executed' || m.type === 'progress'
        ? `(${String(m.data?.node)})`
        : '';
    return `${m.type}${node}`;
  });
}

/** Keys of every object, recursively, with array items merged: the "shape" of a message. */
function shape(value: unknown): unknown {
  if (Array.isArray(value)) return value.length > 0 ? [shape(value[0])] : [];
  if (value && typeof value === 'object') {
    return Object.fromEntries(
      Object.keys(value)
        .sort()
        .map((k) => [k, shape((value as Record<string, unknown>)[k])]),
    );
  }
  return value === null ? null : typeof value;
}

class Recorder {
  readonly messages: Recorded[] = [];
  private waiters: { test: (m: Recorded) => boolean; resolve: () => void }[] = [];
  constructor(readonly ws: WebSocket) {
    ws.on('message', (data: Buffer, isBinary) => {
      const message: Recorded = isBinary
        ? { binary: true, eventType: data.readUInt32BE(0) }
        : (JSON.parse(data.toString('utf8')) as Recorded);
      this.messages.push(message);
      this.waiters = this.waiters.filter((w) => (w.test(message) ? (w.resolve(), false) : true));
    });
  }
  until(test: (m: Recorded) => boolean): Promise<void> {
    if (this.messages.some(test)) return Promise.resolve();
    return new Promise((resolve) => this.waiters.push({ test, resolve }));
  }
  async close(): Promise<void> {
    if (this.ws.readyState === WebSocket.CLOSED) return;
    await new Promise<void>((resolve) => {
      this.ws.once('close', () => resolve());
      this.ws.close();
    });
  }
}

async function record(fake: FakeComfyUI, clientId?: string, featureFlags = false): Promise<Recorder> {
  const ws = new WebSocket(`ws://127.0.0.1:${fake.port}/ws${clientId ? `?clientId=${clientId}` : ''}`);
  const recorder = new Recorder(ws);
  await new Promise<void>((resolve, reject) => ws.once('open', () => resolve()).once('error', reject));
  if (featureFlags)
    ws.send(JSON.stringify({ type: 'feature_flags', data: { supports_preview_metadata: true } }));
  await recorder.until((m) => m.type === 'status');
  if (featureFlags) await recorder.until((m) => m.type === 'feature_flags');
  recorder.messages.length = 0;
  return recorder;
}

async function post(fake: FakeComfyUI, body: unknown): Promise<{ status: number; json: unknown }> {
  const response = await fetch(`${fake.url}/prompt`, {
    method: 'POST',
    body: typeof body === 'string' ? body : JSON.stringify(body),
  });
  const text = await response.text();
  let json: unknown = text;
  try {
    json = JSON.parse(text);
  } catch {
    // 500s are text/plain
  }
  return { status: response.status, json };
}

const lastOf = (promptId: string) => (m: Recorded) =>
  m.type === 'executing' && m.data?.node === null && m.data.prompt_id === promptId;

interface Scenario {
  post: { requestBody: Record<string, unknown> };
  messages: Recorded[];
}

describe('the fake ComfyUI replays the recorded scenarios', () => {
  let fake: FakeComfyUI;
  const open: Recorder[] = [];

  afterEach(async () => {
    for (const r of open.splice(0)) await r.close();
    await fake.close();
  });

  async function replay(
    scenario: Scenario,
    options: { featureFlags?: boolean; during?: (r: Recorder, promptId: string) => Promise<void> } = {},
  ) {
    const recordedId = scenario.post.requestBody.client_id;
    const clientId = typeof recordedId === 'string' ? recordedId : 'cap-main';
    const recorder = await record(fake, clientId, options.featureFlags);
    open.push(recorder);
    const { json } = await post(fake, { ...scenario.post.requestBody, client_id: clientId });
    const promptId = (json as { prompt_id: string }).prompt_id;
    await options.during?.(recorder, promptId);
    await recorder.until(lastOf(promptId));
    return recorder.messages;
  }

  it('02 success, 03 cached re-run and 05 progress: same sequences and shapes', async () => {
    fake = await startFakeComfyUI({ stepMs: 2 });
    for (const name of ['02-success', '03-cached', '05-progress']) {
      const scenario = captures(name) as unknown as Scenario;
      const messages = await replay(scenario);
      expect(signature(messages), name).toEqual(signature(scenario.messages));
      expect(messages.map(shape), name).toEqual(
        scenario.messages.map(({ t: _t, ...m }: Recorded & { t?: number }) => shape(m)),
      );
    }
  });

  it('06 previews: type 1 without the feature flag, type 4 (before progress) with it', async () => {
    fake = await startFakeComfyUI({ stepMs: 2 });
    const scenarios = captures('06-previews') as Record<string, Scenario>;
    const legacy = await replay(scenarios.legacyClient!);
    expect(signature(legacy)).toEqual(signature(scenarios.legacyClient!.messages));
    const withMetadata = await replay(scenarios.metadataClient!, { featureFlags: true });
    expect(signature(withMetadata)).toEqual(signature(scenarios.metadataClient!.messages));
  });

  it('07 interrupt and 08 failure end with their terminal messages', async () => {
    // Steps long enough that the interrupt lands within the step after the first progress, as recorded.
    fake = await startFakeComfyUI({ stepMs: 250 });
    const interrupt = (captures('07-interrupt') as Record<string, Scenario>).global!;
    const interrupted = await replay(interrupt, {
      during: async (r) => {
        await r.until((m) => m.type === 'progress');
        await fetch(`${fake.url}/interrupt`, { method: 'POST' });
      },
    });
    expect(signature(interrupted)).toEqual(signature(interrupt.messages));
    const failure = captures('08-failure') as unknown as Scenario;
    const failed = await replay(failure);
    expect(signature(failed)).toEqual(signature(failure.messages));
    const error = failed.find((m) => m.type === 'execution_error');
    const recordedError = failure.messages.find((m) => m.type === 'execution_error');
    expect(shape(error?.data)).toEqual(shape(recordedError?.data));
  });

  it('18 back-to-back prompts run one after the other without interleaving', async () => {
    fake = await startFakeComfyUI({ stepMs: 5 });
    const scenario = captures('18-back-to-back') as { posts?: unknown; messages: Recorded[] } & Record<
      string,
      unknown
    >;
    const bodies = Object.values(scenario).filter(
      (v): v is { requestBody: Record<string, unknown> } =>
        typeof v === 'object' && v !== null && 'requestBody' in v,
    );
    const nested = Object.values(
      (scenario.posts ?? {}) as Record<string, { requestBody: Record<string, unknown> }>,
    );
    const [first, second] = [...bodies, ...nested];
    const recorder = await record(fake, String(first!.requestBody.client_id));
    open.push(recorder);
    await post(fake, first!.requestBody);
    await recorder.until((m) => m.type === 'executing' && m.data?.node === '2');
    const { json } = await post(fake, second!.requestBody);
    await recorder.until(lastOf((json as { prompt_id: string }).prompt_id));
    // Where the second POST's `status` lands among the first run's steps depends on timing; the rest may not.
    const withoutStatus = (messages: Recorded[]) => signature(messages).filter((s) => s !== 'status');
    expect(withoutStatus(recorder.messages)).toEqual(withoutStatus(scenario.messages));
    const statuses = (messages: Recorded[]) => messages.filter((m) => m.type === 'status').length;
    expect(statuses(recorder.messages)).toBe(statuses(scenario.messages));
  });

  it('11 invalid prompts get the recorded status and body', async () => {
    fake = await startFakeComfyUI();
    const cases = captures('11-invalid') as Record<
      string,
      { requestBody: unknown; status: number; json?: unknown; text?: string }
    >;
    for (const [name, recorded] of Object.entries(cases)) {
      const { status, json } = await post(fake, recorded.requestBody);
      expect(status, name).toBe(recorded.status);
      if (recorded.status === 500) {
        expect(json, name).toBe('500 Internal Server Error\n\nServer got itself in trouble');
        continue;
      }
      const withoutIds = (value: unknown) =>
        JSON.parse(
          JSON.stringify(value, (k, v: unknown) =>
            k === 'prompt_id' || k === 'number' || k === 'traceback' ? '*' : v,
          ),
        ) as unknown;
      expect(withoutIds(json), name).toEqual(withoutIds(recorded.json));
    }
  });

  it('14 a prompt without client_id shows other sockets only status, progress_state and progress', async () => {
    fake = await startFakeComfyUI({ stepMs: 5 });
    const scenario = captures('14-no-client-id') as {
      request: unknown;
      messagesSeenByOtherClient: Recorded[];
    };
    const other = await record(fake, 'someone-else');
    open.push(other);
    const { json } = await post(fake, { prompt: scenario.request });
    const promptId = (json as { prompt_id: string }).prompt_id;
    await expect
      .poll(async () =>
        Object.keys((await (await fetch(`${fake.url}/history/${promptId}`)).json()) as object),
      )
      .toHaveLength(1);
    await other.until(
      (m) =>
        m.type === 'status' &&
        (m.data?.status as { exec_info: { queue_remaining: number } }).exec_info.queue_remaining === 0,
    );
    expect(new Set(signature(other.messages).map((s) => s.replace(/\(.*\)$/, '')))).toEqual(
      new Set(signature(scenario.messagesSeenByOtherClient).map((s) => s.replace(/\(.*\)$/, ''))),
    );
  });

  it('16 a socket reopened mid-run gets status, a bare executing, and the rest of the run; earlier events are lost', async () => {
    fake = await startFakeComfyUI({ stepMs: 40 });
    const scenario = captures('16-reconnect') as {
      post: Scenario['post'];
      secondSocketSameClientId: Recorded[];
    };
    const first = await record(fake, 'cap-re');
    open.push(first);
    const { json } = await post(fake, scenario.post.requestBody);
    const promptId = (json as { prompt_id: string }).prompt_id;
    await first.until((m) => m.type === 'progress');
    await first.close();
    const second = new Recorder(new WebSocket(`ws://127.0.0.1:${fake.port}/ws?clientId=cap-re`));
    open.push(second);
    await second.until(lastOf(promptId));
    const got = signature(second.messages);
    const recorded = signature(scenario.secondSocketSameClientId);
    expect(got.slice(0, 2)).toEqual(['status', 'executing(2)']);
    expect(second.messages[1]?.data).toEqual({ node: '2' });
    expect(got.slice(-7)).toEqual(recorded.slice(-7));
    expect(got.filter((s) => s === 'progress(2)').length).toBeLessThan(8);
  });

  it('20 duplicate client id: the old socket goes quiet, and closing it silences the new one', async () => {
    fake = await startFakeComfyUI();
    const scenario = captures('20-duplicate-client-id') as {
      whileBothOpen: { oldSocket: string[]; newSocket: string[] };
      newSocketAfterOldClosed: string[];
    };
    const graph = {
      '1': { class_type: 'EmptyImage', inputs: { width: 8, height: 8, batch_size: 1, color: 1 } },
      '2': { class_type: 'SaveImage', inputs: { images: ['1', 0], filename_prefix: 'dup' } },
    };
    const oldSocket = await record(fake, 'cap-dup');
    const newSocket = await record(fake, 'cap-dup');
    open.push(oldSocket, newSocket);
    oldSocket.messages.length = 0;
    const { json } = await post(fake, { prompt: graph, client_id: 'cap-dup' });
    await newSocket.until(lastOf((json as { prompt_id: string }).prompt_id));
    // The recorded list starts with the old socket's own hello, which record() has already consumed.
    expect(oldSocket.messages.map((m) => m.type)).toEqual(scenario.whileBothOpen.oldSocket.slice(1));
    expect(newSocket.messages.map((m) => m.type)).toEqual(scenario.whileBothOpen.newSocket);

    await oldSocket.close();
    newSocket.messages.length = 0;
    const after = await post(fake, {
      prompt: { ...graph, '1': { ...graph['1'], inputs: { ...graph['1'].inputs, color: 2 } } },
      client_id: 'cap-dup',
    });
    const afterId = (after.json as { prompt_id: string }).prompt_id;
    await expect
      .poll(async () => Object.keys((await (await fetch(`${fake.url}/history/${afterId}`)).json()) as object))
      .toHaveLength(1);
    expect(newSocket.messages.map((m) => m.type)).toEqual(scenario.newSocketAfterOldClosed);
  });
});
