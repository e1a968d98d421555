import { defineConfig } from 'vite'
import vue from '@vitejs/plugin-vue'
import { fileURLToPath, URL } from 'node:url'
import { writeFileSync } from 'node:fs'

// The Go binary embeds dist/ and serves it at '/', so the base stays '/'.
// In development the API runs separately (`parley serve`); PARLEY_API points the proxy at it.
const api = process.env.PARLEY_API ?? 'http://127.0.0.1:8725'

export default defineConfig({
  base: '/',
  plugins: [
    vue(),
    {
      // dist/ is emptied on each build, but go:embed needs dist/.gitkeep on a clean clone.
      name: 'parley-keep-gitkeep',
      apply: 'build',
      closeBundle() {
        writeFileSync(fileURLToPath(new URL('./dist/.gitkeep', import.meta.url)), '')
      },
    },
  ],
  resolve: { alias: { '@': fileURLToPath(new URL('./src', import.meta.url)) } },
  server: {
    proxy: {
      '/api': { target: api, changeOrigin: true },
      '/healthz': { target: api, changeOrigin: true },
    },
  },
  build: {
    outDir: 'dist',
    emptyOutDir: true,
    chunkSizeWarningLimit: 1500,
  },
})
