import vue from '@vitejs/plugin-vue'
import { defineConfig } from 'vite'

// Built into dist/ and embedded in the zhili binary (crates/zhili/build.rs).
export default defineConfig({
  plugins: [vue()],
  build: {
    outDir: 'dist',
    emptyOutDir: true,
    chunkSizeWarningLimit: 1600,
    // No inlined assets: every file is served with its own hash name and cache headers.
    assetsInlineLimit: 0,
  },
  server: {
    proxy: { '/api': 'http://127.0.0.1:8080' },
  },
})
