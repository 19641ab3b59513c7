import { defineConfig } from 'vite';
import react from '@vitejs/plugin-react';

// The dashboard is served by the core's own HTTP server (never a dev server in production),
// so assets are addressed relative to wherever that server mounts it.
export default defineConfig({
  root: 'renderer',
  base: './',
  plugins: [react()],
  build: {
    outDir: '../dist/renderer',
    emptyOutDir: true,
  },
});
