import { defineConfig, type UserConfig } from 'vite'
import vue from '@vitejs/plugin-vue'
import { fileURLToPath, URL } from 'node:url'
import { writeFileSync } from 'node:fs'

// The Go binary embeds dist/ and serves it at '/', so the base stays '/'.
// In development the API runs separately (`parley serve`); PARLEY_API points the proxy at it.
const api = process.env.PARLEY_API ?? 'http://127.0.0.1:8725'
const here = (p: string) => fileURLToPath(new URL(p, import.meta.url))

// `vite build --mode sdk` builds the website widget's loader, dist/widget/sdk.js: one IIFE file
// that sites include with the inbox's snippet. It runs after the main build into the same dist/
// (so it must not empty it), and it carries no Vue and no public/ copy — it has to stay tiny.
const sdk: UserConfig = {
  publicDir: false,
  build: {
    outDir: 'dist',
    emptyOutDir: false,
    target: 'es2019',
    minify: true,
    copyPublicDir: false,
    lib: {
      entry: here('./src/widget-sdk/sdk.ts'),
      name: 'parleySDK',
      formats: ['iife'],
      fileName: () => 'widget/sdk.js',
    },
  },
}

export default defineConfig(({ mode }) =>
  mode === 'sdk'
    ? sdk
    : {
        base: '/',
        plugins: [
          vue(),
          {
            // dist/ is emptied on each build, but go:embed needs dist/.gitkeep on a clean clone.
            name: 'parley-keep-gitkeep',
            apply: 'build',
            closeBundle() {
              writeFileSync(here('./dist/.gitkeep'), '')
            },
          },
        ],
        resolve: { alias: { '@': here('./src') } },
        server: {
          proxy: {
            '/api': { target: api, changeOrigin: true },
            '/public': { target: api, changeOrigin: true, ws: true },
            '/healthz': { target: api, changeOrigin: true },
          },
        },
        build: {
          outDir: 'dist',
          emptyOutDir: true,
          chunkSizeWarningLimit: 1500,
          // Two pages: the agents' app and the website widget's chat window (served at /widget).
          rollupOptions: { input: { main: here('./index.html'), widget: here('./widget.html') } },
        },
      },
)
