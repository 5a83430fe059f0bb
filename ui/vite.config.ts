import { defineConfig } from 'vite';
import { svelte } from '@sveltejs/vite-plugin-svelte';

// Built into ui/dist, which src-tauri embeds (tauri.conf.json: frontendDist "../ui/dist").
export default defineConfig({
  plugins: [svelte()],
  clearScreen: false,
  build: {
    target: 'safari15',
    outDir: 'dist',
    emptyOutDir: true,
    // Inline assets would need data: URLs in the CSP; keep them as files.
    assetsInlineLimit: 0,
  },
  test: {
    environment: 'jsdom',
    include: ['src/**/*.test.ts'],
    setupFiles: ['src/test-setup.ts'],
    // axe over a whole window takes 4-5 s in jsdom on two busy cores; a timeout is not a speed check.
    testTimeout: 15_000,
    // theme.test.ts reads the stylesheet's colours (`app.css?raw`); other CSS stays out of tests.
    css: { include: [/app\.css/] },
  },
  resolve: process.env.VITEST ? { conditions: ['browser'] } : undefined,
});
