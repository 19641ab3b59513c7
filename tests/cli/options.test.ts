import { join, resolve } from 'node:path';
import { homedir } from 'node:os';
import { describe, expect, it } from 'vitest';
import { CliUsageError, defaultDataDir, parseCli } from '../../electron/cli/options.js';

describe('parseCli', () => {
  it('reads every serve flag, repeatable ones included', () => {
    const options = parseCli(
      [
        'serve',
        '--host',
        '0.0.0.0',
        '--port',
        '0',
        '--comfyui',
        'http://a:8188',
        '--comfyui',
        'http://b:8188',
        '--data-dir',
        'data',
        '--output-dir',
        'out',
        '--workflows-dir',
        'wf',
        '--workflow',
        'sdxl',
        '--token',
        's3cret',
        '--allow-dir',
        'x',
        '--allow-dir',
        'y',
        '--max-pending',
        '50',
      ],
      {},
    );
    expect(options).toEqual({
      command: 'serve',
      host: '0.0.0.0',
      port: 0,
      comfyuiUrls: ['http://a:8188', 'http://b:8188'],
      dataDir: resolve('data'),
      outputDir: resolve('out'),
      workflowsDir: resolve('wf'),
      workflow: 'sdxl',
      token: 's3cret',
      allowDirs: [resolve('x'), resolve('y')],
      logLevel: 'info',
      maxPendingJobs: 50,
      sources: {
        host: '--host',
        port: '--port',
        comfyuiUrls: '--comfyui',
        dataDir: '--data-dir',
        outputDir: '--output-dir',
        workflowsDir: '--workflows-dir',
        workflow: '--workflow',
        token: '--token',
        allowDirs: '--allow-dir',
        maxPendingJobs: '--max-pending',
      },
    });
  });

  it('falls back to environment variables, and flags win over them', () => {
    const env = {
      COMFYUI_URL: 'http://a:8188, http://b:8000',
      COMFYUI_MCP_PORT: '9001',
      COMFYUI_MCP_TOKEN: 'from-env',
      COMFYUI_MCP_DATA_DIR: '/srv/bridge',
      COMFYUI_MCP_MAX_PENDING: '200',
    };
    const options = parseCli(['stdio', '--token', 'from-flag'], env);
    expect(options).toMatchObject({
      command: 'stdio',
      comfyuiUrls: ['http://a:8188', 'http://b:8000'],
      port: 9001,
      token: 'from-flag',
      dataDir: '/srv/bridge',
      maxPendingJobs: 200,
    });
    // What set each option, for the dashboard to name (a flag, or the variable when no flag was given).
    expect(options.sources).toEqual({
      comfyuiUrls: 'COMFYUI_URL',
      port: 'COMFYUI_MCP_PORT',
      token: '--token',
      dataDir: 'COMFYUI_MCP_DATA_DIR',
      maxPendingJobs: 'COMFYUI_MCP_MAX_PENDING',
    });
  });

  it('takes the loopback opt-out from its flag or its variable, and only when asked', () => {
    expect(parseCli(['serve'], {})).not.toHaveProperty('noTokenOnLoopback');
    expect(parseCli(['serve', '--no-token-on-loopback'], {}).noTokenOnLoopback).toBe(true);
    expect(parseCli(['serve'], { COMFYUI_MCP_NO_TOKEN_ON_LOOPBACK: '1' }).noTokenOnLoopback).toBe(true);
    expect(parseCli(['serve'], { COMFYUI_MCP_NO_TOKEN_ON_LOOPBACK: '0' })).not.toHaveProperty(
      'noTokenOnLoopback',
    );
  });

  it('refuses bad input with a one-line reason', () => {
    const bad: [string[], RegExp][] = [
      [[], /no command/],
      [['launch'], /unknown command "launch"/],
      [['serve', '--port', '99999'], /--port must be 0-65535/],
      [['serve', '--port', 'http'], /--port must be 0-65535/],
      [['serve', '--comfyui', 'localhost:8188'], /must start with http/],
      [['serve', '--bogus'], /^Unknown option --bogus\. Run comfyui-mcp-bridge --help for the options\.$/],
      [['serve', '--port'], /^Option '--port <value>' argument missing\. Run comfyui-mcp-bridge --help/],
      [['serve', '--log-level', 'loud'], /--log-level must be one of/],
      [['serve', '--max-pending', '0'], /--max-pending must be a whole number from 1 to 100000/],
      [['serve', '--max-pending', 'lots'], /--max-pending must be a whole number/],
      [['serve', '--max-input-megapixels', '0'], /--max-input-megapixels must be a whole number 1-1000/],
      [['serve', '--max-input-megapixels', '2.5'], /--max-input-megapixels must be a whole number 1-1000/],
    ];
    for (const [argv, reason] of bad) {
      expect(() => parseCli(argv, {}), argv.join(' ')).toThrow(CliUsageError);
      expect(() => parseCli(argv, {})).toThrow(reason);
    }
  });

  it('takes the pixel limit from --max-input-megapixels or COMFYUI_MCP_MAX_INPUT_MEGAPIXELS', () => {
    const env = { COMFYUI_MCP_MAX_INPUT_MEGAPIXELS: '80' };
    expect(parseCli(['serve'], env).maxInputMegapixels).toBe(80);
    expect(parseCli(['serve', '--max-input-megapixels', '120'], env).maxInputMegapixels).toBe(120);
    expect(parseCli(['serve'], {}).maxInputMegapixels).toBeUndefined();
  });

  it('shares its data folder with the desktop app (Electron userData)', () => {
    expect(defaultDataDir({ XDG_CONFIG_HOME: '/x' }, 'linux')).toBe(join('/x', 'comfyui-mcp-bridge'));
    expect(defaultDataDir({}, 'linux')).toBe(join(homedir(), '.config', 'comfyui-mcp-bridge'));
    expect(defaultDataDir({}, 'darwin')).toBe(
      join(homedir(), 'Library', 'Application Support', 'comfyui-mcp-bridge'),
    );
    expect(defaultDataDir({ APPDATA: 'C:\\Users\\u\\AppData\\Roaming' }, 'win32')).toBe(
      join('C:\\Users\\u\\AppData\\Roaming', 'comfyui-mcp-bridge'),
    );
  });
});
