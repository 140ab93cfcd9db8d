import react from '@vitejs/plugin-react';
import { defineConfig } from 'vite';

/** Where `vite --config src/web/vite.config.ts` (the dev server) finds resetdesk: its default PORT. */
const RESETDESK = 'http://127.0.0.1:3000';

// Paths are relative to the repository root: the npm scripts run Vite from there.
export default defineConfig({
  root: 'src/web',
  base: '/',
  plugins: [react()],
  build: {
    outDir: '../../dist/web',
    emptyOutDir: true,
    // Libraries change less often than the app: separate files stay cached across releases.
    rolldownOptions: {
      output: {
        codeSplitting: {
          groups: [
            { name: 'react', test: /node_modules[\\/](react|react-dom|scheduler|react-router)[\\/]/ },
            { name: 'mantine', test: /node_modules[\\/](@mantine|@floating-ui|react-remove-scroll|react-number-format)/ },
            // Only the dashboard draws charts: its page loads this on demand.
            {
              name: 'charts',
              test: /node_modules[\\/](recharts|victory-vendor|d3-|internmap|decimal\.js-light|eventemitter3|immer|reselect|@reduxjs|react-redux|redux|es-toolkit|tiny-invariant)/,
            },
            { name: 'vendor', test: /node_modules[\\/]/ },
          ],
        },
      },
    },
  },
  // The app calls /api and /auth on its own origin; in development they live on resetdesk.
  server: { proxy: { '/api': RESETDESK, '/auth': RESETDESK } },
  preview: { proxy: { '/api': RESETDESK, '/auth': RESETDESK } },
});
