import { existsSync, mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { chromium, type Browser, type Page } from 'playwright-core';
import { mcpTokenOf, packageRoot, startServe, type ServeProcess } from '../cli/built-cli.js';
import { removeDirs } from '../core/harness.js';

/*
 * The dashboard end to end: the BUILT `serve` (core + built renderer) in front of the fake ComfyUI, driven by
 * Debian's headless Chromium through playwright-core. Every page collects its console errors, failed requests
 * and uncaught exceptions; a test ends by asserting there were none.
 */

export const chromiumPath = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
export const screenshotsDir = resolve(packageRoot, 'docs', 'screenshots');

export function e2eSkipReason(): string | undefined {
  if (!existsSync(join(packageRoot, 'dist', 'electron', 'cli.js')))
    return 'dist/electron is absent: run `npm run build` first (npm test does).';
  if (!existsSync(join(packageRoot, 'dist', 'renderer', 'index.html')))
    return 'dist/renderer is absent: run `npm run build` first (npm test does).';
  if (!existsSync(chromiumPath))
    return `no Chromium at ${chromiumPath}: apt-get install -y chromium (or set CHROMIUM_PATH).`;
  return undefined;
}

export interface Bridge {
  serve: ServeProcess;
  /** The printed dashboard URL, token included. */
  dashboardUrl: string;
  baseUrl: string;
  token: string;
  /** The bearer token /mcp requires, as the Connect view's snippets carry it. */
  mcpToken: string;
  dataDir: string;
  outputDir: string;
  workflowsDir: string;
  stop(): Promise<void>;
}

export interface BridgeOptions {
  /** Given as --comfyui flags, which lock the setting for the run (the dashboard cannot change it). */
  comfyuiUrls: string[];
  /** Settings stored in the data folder before the start, as the dashboard would have saved them. */
  storedSettings?: Record<string, unknown>;
  /** Prepare the data folder (e.g. seed the gallery index) before the bridge starts. */
  prepare?: (dirs: { dataDir: string; outputDir: string; workflowsDir: string }) => void | Promise<void>;
}

export async function startBridge(options: BridgeOptions): Promise<Bridge> {
  const dataDir = mkdtempSync(join(tmpdir(), 'bridge-e2e-data-'));
  const outputDir = mkdtempSync(join(tmpdir(), 'bridge-e2e-out-'));
  const workflowsDir = join(dataDir, 'my-workflows');
  mkdirSync(workflowsDir);
  await options.prepare?.({ dataDir, outputDir, workflowsDir });
  if (options.storedSettings)
    writeFileSync(join(dataDir, 'settings.json'), JSON.stringify(options.storedSettings), { mode: 0o600 });
  const serve = await startServe([
    '--port',
    '0',
    '--data-dir',
    dataDir,
    '--output-dir',
    outputDir,
    '--workflows-dir',
    workflowsDir,
    '--log-level',
    'warn',
    ...options.comfyuiUrls.flatMap((url) => ['--comfyui', url]),
  ]);
  const url = new URL(serve.dashboardUrl);
  const token = url.searchParams.get('token');
  if (!token) throw new Error(`the Dashboard line carries no token: ${serve.dashboardUrl}`);
  const mcpToken = mcpTokenOf(dataDir);
  if (!mcpToken) throw new Error('the endpoint record names no /mcp token');
  return {
    serve,
    dashboardUrl: serve.dashboardUrl,
    baseUrl: url.origin,
    token,
    mcpToken,
    dataDir,
    outputDir,
    workflowsDir,
    async stop() {
      await serve.stop();
      removeDirs(dataDir, outputDir);
    },
  };
}

export function launchChromium(): Promise<Browser> {
  return chromium.launch({
    executablePath: chromiumPath,
    headless: true,
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking'],
  });
}

export interface WatchedPage {
  page: Page;
  /** Console errors, failed requests, error responses and uncaught exceptions, in order. */
  problems: string[];
  close: () => Promise<void>;
}

/** A fresh page (own context: own sessionStorage) that records everything that would show as an error. */
export async function openPage(
  browser: Browser,
  options: { colorScheme?: 'light' | 'dark'; width?: number; height?: number } = {},
): Promise<WatchedPage> {
  const context = await browser.newContext({
    viewport: { width: options.width ?? 1280, height: options.height ?? 860 },
    colorScheme: options.colorScheme ?? 'light',
  });
  const page = await context.newPage();
  const problems: string[] = [];
  page.on('console', (message) => {
    if (message.type() === 'error') problems.push(`console: ${message.text()}`);
  });
  page.on('pageerror', (error) => problems.push(`uncaught: ${error.stack ?? error.message}`));
  page.on('requestfailed', (request) => {
    // Navigating away aborts in-flight image loads; that is not an error the person would see.
    if (request.failure()?.errorText !== 'net::ERR_ABORTED') problems.push(`failed: ${request.url()}`);
  });
  page.on('response', (response) => {
    if (response.status() >= 400) problems.push(`HTTP ${response.status()}: ${response.url()}`);
  });
  return { page, problems, close: () => context.close() };
}

/**
 * Where a run writes its screenshots: docs/screenshots only when asked (`npm run screenshots` sets
 * SCREENSHOTS=1), so `npm test` leaves the tracked images, and `git status`, as they were.
 */
export function screenshotPath(
  name: string,
  scheme: 'light' | 'dark',
  env: NodeJS.ProcessEnv = process.env,
): string | undefined {
  return env.SCREENSHOTS === '1' ? join(screenshotsDir, `${name}-${scheme}.png`) : undefined;
}

/** Writes docs/screenshots/<name>-<scheme>.png when asked (see screenshotPath); otherwise does nothing. */
export async function screenshot(page: Page, name: string, scheme: 'light' | 'dark'): Promise<void> {
  const path = screenshotPath(name, scheme);
  if (path === undefined) return;
  mkdirSync(screenshotsDir, { recursive: true });
  await page.screenshot({ path });
}

/** Generous limit for things the page shows once the bridge has done its work. */
export const uiTimeout = 30_000;
