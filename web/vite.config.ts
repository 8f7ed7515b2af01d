import { defineConfig } from 'vite';
import { fileURLToPath } from 'node:url';

const here = (p: string) => fileURLToPath(new URL(p, import.meta.url));

/**
 * Four pages from one build: the visitor booking page (index.html, served at /),
 * the staff handheld page (staff.html, served at /staff), the crowd screen
 * (screen.html, served at /screen) and the back-office console (console.html, at /admin). Preact's JSX runtime via
 * esbuild/oxc, no plugin; everything is bundled (the network may be loopback only).
 */
export default defineConfig({
  root: here('.'),
  base: '/',
  publicDir: here('public'),
  oxc: { jsx: { runtime: 'automatic', importSource: 'preact' } },
  build: {
    outDir: here('dist'),
    emptyOutDir: true,
    target: 'es2020',
    assetsDir: 'assets',
    reportCompressedSize: false,
    rollupOptions: {
      input: {
        index: here('index.html'),
        staff: here('staff.html'),
        screen: here('screen.html'),
        console: here('console.html'),
      },
    },
  },
  server: {
    proxy: {
      '/v1': 'http://127.0.0.1:8080',
      '/staff/agent': 'http://127.0.0.1:8080',
      '/screen/v1': 'http://127.0.0.1:8080',
    },
  },
});
