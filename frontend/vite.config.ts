/// <reference types="vitest/config" />
import { defineConfig } from 'vite';
import react from '@vitejs/plugin-react';

const backend = 'http://127.0.0.1:8000';

// Django serves dist/index.html for `/` and every non-API path, and the
// built files under /static/assets/ (whitenoise), so production URLs for
// assets are prefixed with /static/. The dev server keeps base `/` so the
// client-side routes (/login, /, ...) work directly on http://localhost:5173.
export default defineConfig(({ command }) => ({
  base: command === 'build' ? '/static/' : '/',
  plugins: [react()],
  build: {
    outDir: 'dist',
    emptyOutDir: true,
    sourcemap: false,
  },
  server: {
    // Host header is kept as-is (no changeOrigin) so Django's CSRF Origin
    // check sees the same host the browser used.
    proxy: {
      '/api': backend,
      '/healthz': backend,
    },
  },
  test: {
    environment: 'jsdom',
    setupFiles: ['./src/test/setup.ts'],
    include: ['src/**/*.test.{ts,tsx}'],
    restoreMocks: true,
    // The page tests render whole dashboard pages in jsdom: on a busy 2-core CI machine the
    // heaviest (the models page) took up to 5.8 s, past Vitest's 5 s default.
    testTimeout: 20_000,
    unstubGlobals: true,
  },
}));
