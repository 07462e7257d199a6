// The demo imports the package by name; inside this repository that name points at the built
// entry (npm run demo builds it first).
import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vite';

export default defineConfig({
  root: fileURLToPath(new URL('.', import.meta.url)),
  resolve: { alias: { xentropy: fileURLToPath(new URL('../dist/index.js', import.meta.url)) } },
  build: { outDir: 'dist', emptyOutDir: true },
  preview: { port: 4173, host: '127.0.0.1' },
});
