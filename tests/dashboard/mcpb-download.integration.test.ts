import { mkdtempSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { mcpbFileName } from '../../electron/dashboard/mcpb-download.js';
import { apiRoutes, mcpbDownloadPath } from '../../shared/dashboard-api.js';
import { removeDirs, startTestCore, type CoreFixture } from '../core/harness.js';
import { apiOf, send } from './helpers.js';

/*
 * Issue 14 §1: "connect an agent" offers the Claude Desktop extension as a download when one was built for this
 * version and platform, over a real HTTP server; the file sent is the one found, never a link to another.
 */

const cleanups: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

async function bridgeWith(mcpbDirs: string[]): Promise<CoreFixture> {
  const fixture = await startTestCore({ urls: ['http://127.0.0.1:9'], mcpbDirs, version: '1.2.3' });
  cleanups.push(async () => {
    await fixture.core.stop();
    removeDirs(fixture.dataDir, fixture.outputDir, ...mcpbDirs);
  });
  return fixture;
}

const fileName = mcpbFileName('1.2.3', process.platform, process.arch);
const connectOf = async (fixture: CoreFixture) =>
  apiRoutes.connect.response.parse((await apiOf(fixture.core).call('/api/connect')).json()).mcpb;

describe('the .mcpb download', () => {
  it('is offered and sent byte for byte, with the dashboard token, when a bundle was built', async () => {
    const empty = mkdtempSync(join(tmpdir(), 'mcpb-empty-'));
    const release = mkdtempSync(join(tmpdir(), 'mcpb-release-'));
    const bytes = Buffer.from(Array.from({ length: 70_000 }, (_, i) => i % 251));
    writeFileSync(join(release, fileName), bytes);
    const fixture = await bridgeWith([empty, release]);

    expect(await connectOf(fixture)).toEqual({ fileName, available: true });
    const { token } = apiOf(fixture.core);
    const reply = await send(fixture.core.mcpUrl, { path: `${mcpbDownloadPath}?token=${token}` });
    expect(reply.status).toBe(200);
    expect(reply.headers['content-disposition']).toBe(`attachment; filename="${fileName}"`);
    expect(reply.body.equals(bytes)).toBe(true);

    const refused = await send(fixture.core.mcpUrl, { path: mcpbDownloadPath });
    expect(refused.status).toBe(401);
  });

  it('is not offered when none was built, and the download says how to build one', async () => {
    const fixture = await bridgeWith([mkdtempSync(join(tmpdir(), 'mcpb-empty-'))]);
    expect(await connectOf(fixture)).toEqual({ fileName, available: false });
    const { token } = apiOf(fixture.core);
    const reply = await send(fixture.core.mcpUrl, { path: `${mcpbDownloadPath}?token=${token}` });
    expect(reply.status).toBe(404);
    expect(reply.json()).toMatchObject({ error: { code: 'mcpb_not_built', message: /npm run dist:mcpb/ } });
  });

  it('does not follow a link named as the bundle', async () => {
    const elsewhere = mkdtempSync(join(tmpdir(), 'mcpb-elsewhere-'));
    writeFileSync(join(elsewhere, 'secret.txt'), 'not for download');
    const release = mkdtempSync(join(tmpdir(), 'mcpb-release-'));
    symlinkSync(join(elsewhere, 'secret.txt'), join(release, fileName));
    const fixture = await bridgeWith([release, elsewhere]);
    expect(await connectOf(fixture)).toEqual({ fileName, available: false });
    const { token } = apiOf(fixture.core);
    const reply = await send(fixture.core.mcpUrl, { path: `${mcpbDownloadPath}?token=${token}` });
    expect(reply.status).toBe(404);
    expect(reply.body.toString()).not.toContain('not for download');
  });
});
