// Builds the renderer into dist/renderer with relative URLs, so the same files load
// from file:// in Electron and from `snooze dashboard` on 127.0.0.1.
import { defineConfig } from 'vite';

const here = (p: string) => decodeURIComponent(new URL(p, import.meta.url).pathname);

export default defineConfig(({ command }) => ({
  root: here('.'),
  base: './',
  // No public/ folder and no network: everything the page needs is in the bundle.
  publicDir: false,
  // A build is always the production one, even when started from a test runner that sets NODE_ENV=test
  // (React would otherwise ship its development build, twice the size and much slower).
  define: command === 'build' ? { 'process.env.NODE_ENV': JSON.stringify('production') } : {},
  oxc: command === 'build' ? { jsx: { runtime: 'automatic', development: false } } : {},
  build: {
    outDir: here('../dist/renderer'),
    emptyOutDir: true,
    target: 'es2022',
    sourcemap: false,
    // Chromium (Electron and the browser) supports modulepreload; no polyfill code.
    modulePreload: { polyfill: false },
    assetsInlineLimit: 0,
    reportCompressedSize: false,
  },
  server: { host: '127.0.0.1' },
}));
