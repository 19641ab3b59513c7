/// <reference types="electron" />
// Sandboxed preloads run as classic scripts, not ES modules: hence require() and no import/export in this file.
// The dashboard talks to the core over HTTP; all it learns here is that it runs inside the desktop app.

// eslint-disable-next-line @typescript-eslint/no-require-imports
const { contextBridge } = require('electron') as typeof Electron.Renderer;

contextBridge.exposeInMainWorld('comfyuiMcpBridgeDesktop', { desktop: true, platform: process.platform });
