import { defineConfig } from 'vitest/config';
import { svelte } from '@sveltejs/vite-plugin-svelte';

// Tauri serves the built files from `dist/`; in dev it loads the fixed port below.
export default defineConfig({
  plugins: [svelte()],
  clearScreen: false,
  server: { port: 5173, strictPort: true, host: '127.0.0.1', fs: { allow: ['.', '../icons'] } },
  preview: { port: 4173, strictPort: true, host: '127.0.0.1' },
  build: {
    // WebKitGTK 2.4x / Safari 16 / WebView2 all support ES2022.
    target: 'es2022',
    // Source maps would ship the UI's source inside the app; not needed.
    sourcemap: false,
    // Inlined assets become data: URLs; keep everything a file so the CSP stays 'self'.
    assetsInlineLimit: 0,
  },
  test: {
    environment: 'happy-dom',
    include: ['tests/unit/**/*.test.ts'],
  },
});
