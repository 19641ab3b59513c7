import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { projectFolderOf, type MachinePlace } from '../../electron/images/project-folder.js';
import type { FakeComfyUI } from '../fakes/fake-comfyui.js';
import { binPath, cleanEnv, isBuilt, notBuiltMessage } from '../cli/built-cli.js';
import { removeDirs, startSd15Fake, startTestCore, tempDirs, type CoreFixture } from '../core/harness.js';
import { connect, type E2eClient, type Era } from './clients.js';

/*
 * A stdio shim started where no project is (Claude Desktop starts it in `/` on macOS, in a system or its own
 * folder on Windows) must not make that folder the project: a relative save path would land there, and every
 * folder below it would become one the agent may write into. The same holds for a client's roots: a client
 * started in the home folder declares that folder, before or instead of the project.
 */

if (!isBuilt) console.warn(`tests/mcp-e2e: ${notBuiltMessage}`);

describe('projectFolderOf (pure)', () => {
  const linux: MachinePlace = { platform: 'linux', home: '/home/ana', env: {} };
  const mac: MachinePlace = { platform: 'darwin', home: '/Users/ana', env: {} };
  const windows: MachinePlace = {
    platform: 'win32',
    home: 'C:\\Users\\ana',
    env: {
      SystemRoot: 'C:\\Windows',
      ProgramFiles: 'C:\\Program Files',
      LOCALAPPDATA: 'C:\\Users\\ana\\AppData\\Local',
      TEMP: 'C:\\Users\\ana\\AppData\\Local\\Temp',
    },
  };

  it('takes a project folder as it is, wherever the user keeps projects', () => {
    expect(projectFolderOf('/home/ana/sites/shop', linux)).toBe('/home/ana/sites/shop');
    expect(projectFolderOf('/var/www/shop', linux)).toBe('/var/www/shop');
    expect(projectFolderOf('/tmp/scratch', linux)).toBe('/tmp/scratch');
    expect(projectFolderOf('/Users/ana/code/app', mac)).toBe('/Users/ana/code/app');
    // iCloud Drive and the cloud-storage providers keep the user's files under ~/Library.
    for (const kept of [
      '/Users/ana/Library/Mobile Documents/com~apple~CloudDocs/site',
      '/Users/ana/Library/CloudStorage/Dropbox/code/app',
    ])
      expect(projectFolderOf(kept, mac)).toBe(kept);
    expect(projectFolderOf('D:\\work\\site', windows)).toBe('D:\\work\\site');
    // As /tmp is on Linux and macOS: Windows keeps it under %LOCALAPPDATA%.
    expect(projectFolderOf('C:\\Users\\ana\\AppData\\Local\\Temp\\scratch', windows)).toBe(
      'C:\\Users\\ana\\AppData\\Local\\Temp\\scratch',
    );
  });

  it("refuses a drive's root, the home folder itself and the system's or programs' folders", () => {
    const refused: [MachinePlace, string[]][] = [
      [linux, ['/', '/home/ana', '/home/ana/', '/usr/lib/claude', '/etc']],
      [
        mac,
        [
          '/',
          '/Users/ana',
          '/Applications/Claude.app/Contents',
          '/Users/ana/Library/Application Support',
          '/Users/ana/Library/CloudStorage',
        ],
      ],
      [
        windows,
        [
          'C:\\',
          'c:\\windows\\system32',
          'C:\\Users\\ana',
          'C:\\Program Files\\Claude',
          'C:\\Users\\ana\\AppData\\Local\\AnthropicClaude\\app-0.9.3',
        ],
      ],
    ];
    for (const [place, cwds] of refused)
      for (const cwd of cwds) expect(projectFolderOf(cwd, place), `${place.platform} ${cwd}`).toBeUndefined();
  });
});

const { tempDir, removeTempDirs } = tempDirs('bridge-shim-place-');
let fake: FakeComfyUI;
beforeAll(async () => {
  fake = await startSd15Fake(2);
});
afterAll(async () => {
  await fake.close();
  removeTempDirs();
});

const call = { prompt: 'a fox', workflow: 'sd15', width: 96, height: 64, save_path: 'fox.png' };
const pathOf = (result: { structuredContent?: unknown }) =>
  (result.structuredContent as { images: { path: string; saved_to_reason?: string }[] }).images[0]!;

describe.skipIf(!isBuilt)('a shim started where no project is', () => {
  let client: E2eClient | undefined;
  afterEach(async () => {
    await client?.close();
    client = undefined;
  });

  it('in `/`, in-process: a relative save path goes to the output folder, and says why', async () => {
    const dataDir = tempDir();
    const outputDir = tempDir();
    const shimArgs = ['--port', '0', '--data-dir', dataDir, '--output-dir', outputDir, '--comfyui', fake.url];
    client = await connect('2025', 'stdio', { shimArgs, cwd: '/' });
    const result = await client.call('generate_image', call);
    expect(result.isError, JSON.stringify(result.content)).toBeFalsy();
    expect(pathOf(result).path).toBe(join(outputDir, 'fox.png'));
    expect(pathOf(result).saved_to_reason).toContain('no project folder');
    expect(client.stderr()).toContain('no project');
    // "/" allows nothing beyond the allowed folders either.
    const outside = await client.call('generate_image', {
      ...call,
      save_path: join(tempDir(), 'x.png'),
    });
    expect(outside.isError).toBe(true);
    expect(JSON.stringify(outside.content)).toContain('outside the allowed folders');
  });

  it('in the home folder, forwarding to a running app: the same', async () => {
    const home = tempDir();
    const fixture = await startTestCore({ urls: [fake.url] });
    try {
      client = await connect('2026', 'stdio', {
        server: {
          command: process.execPath,
          args: [binPath, 'stdio', '--data-dir', fixture.dataDir],
          env: { ...(cleanEnv() as Record<string, string>), HOME: home, USERPROFILE: home },
        },
        cwd: home,
      });
      const result = await client.call('generate_image', call);
      expect(result.isError, JSON.stringify(result.content)).toBeFalsy();
      expect(pathOf(result).path).toBe(join(fixture.outputDir, 'fox.png'));
      expect(existsSync(join(home, 'fox.png'))).toBe(false);
      expect(client.stderr()).toContain('forwarding to the running app');
    } finally {
      await client?.close();
      client = undefined;
      await fixture.core.stop();
      removeDirs(fixture.dataDir, fixture.outputDir);
    }
  });
});

describe.each<Era>(['2025', '2026'])('%s-era client whose roots name no project', (era) => {
  let fixture: CoreFixture;
  let client: E2eClient | undefined;
  const realHome = process.env.HOME;
  beforeAll(async () => {
    fixture = await startTestCore({ urls: [fake.url] });
  });
  afterEach(async () => {
    process.env.HOME = realHome;
    await client?.close();
    client = undefined;
  });
  afterAll(async () => {
    await fixture.core.stop();
    removeDirs(fixture.dataDir, fixture.outputDir);
  });

  const open = async (roots: string[]) => {
    client = await connect(era, 'http', {
      mcpUrl: fixture.core.mcpUrl,
      token: fixture.core.settings.get().mcpToken,
      roots,
    });
    return client;
  };

  it('a root of `/` allows nothing beyond the allowed folders', async () => {
    const agent = await open(['/']);
    const outside = await agent.call('generate_image', { ...call, save_path: join(tempDir(), 'x.png') });
    expect(outside.isError).toBe(true);
    expect(JSON.stringify(outside.content)).toContain('outside the allowed folders');
  });

  it('the home folder listed before the project: relative paths go to the project, home stays closed', async () => {
    const home = tempDir();
    const site = tempDir();
    process.env.HOME = home;
    const agent = await open([home, site]);
    const result = await agent.call('generate_image', call);
    expect(result.isError, JSON.stringify(result.content)).toBeFalsy();
    expect(pathOf(result).path).toBe(join(site, 'fox.png'));
    expect(existsSync(join(home, 'fox.png'))).toBe(false);
    const inHome = await agent.call('generate_image', { ...call, save_path: join(home, 'x.png') });
    expect(inHome.isError).toBe(true);
    expect(JSON.stringify(inHome.content)).toContain('outside the allowed folders');
  });
});
