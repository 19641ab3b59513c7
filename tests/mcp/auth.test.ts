import { afterEach, describe, expect, it } from 'vitest';
import { connect, createFakeService, eras, startBridge } from './harness.js';
import type { Bridge } from './harness.js';

let bridge: Bridge | undefined;
afterEach(async () => {
  await bridge?.close();
  bridge = undefined;
});

describe.each(eras)('a %s-era client against a token-protected endpoint', (era) => {
  it('cannot connect without the token or with a wrong one', async () => {
    bridge = await startBridge(createFakeService().service, { token: 'tok-123' });
    await expect(connect(era, bridge.url)).rejects.toThrow();
    await expect(connect(era, bridge.url, { token: 'tok-124' })).rejects.toThrow();
  });

  it('works with the token', async () => {
    bridge = await startBridge(createFakeService().service, { token: 'tok-123' });
    const client = await connect(era, bridge.url, { token: 'tok-123' });
    const result = await client.callTool('check_comfyui_status', {});
    expect(result.isError).toBeFalsy();
    await client.close();
  });
});
