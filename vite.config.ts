import { defineConfig, type Plugin } from 'vite';
import react from '@vitejs/plugin-react';

/**
 * The response schemas and the Gallery view are chunks of their own (see renderer/src/api/client.ts and App.tsx),
 * so the page script evaluates without them. The page still needs the schemas for its first answer and the
 * gallery is one click away: `<link rel="modulepreload">` lets the browser fetch them beside the page script
 * instead of after it, without running them until they are imported.
 */
const preloadedModules = ['shared/dashboard-api.ts', 'renderer/src/views/GalleryView.tsx'];

function preloadChunks(): Plugin {
  return {
    name: 'preload-chunks',
    apply: 'build',
    transformIndexHtml: {
      order: 'post',
      handler(_html, context) {
        const chunks = Object.values(context.bundle ?? {}).filter(
          (output) =>
            output.type === 'chunk' &&
            output.moduleIds.some((id) =>
              preloadedModules.some((module) => id.replaceAll('\\', '/').endsWith(module)),
            ),
        );
        return chunks.map((chunk) => ({
          tag: 'link',
          attrs: { rel: 'modulepreload', crossorigin: true, href: `./${chunk.fileName}` },
          injectTo: 'head' as const,
        }));
      },
    },
  };
}

// The dashboard is served by the core's own HTTP server (never a dev server in production),
// so assets are addressed relative to wherever that server mounts it.
export default defineConfig({
  root: 'renderer',
  base: './',
  plugins: [react(), preloadChunks()],
  build: {
    outDir: '../dist/renderer',
    emptyOutDir: true,
  },
});
