#!/usr/bin/env node
// Thin launcher: the CLI is compiled to dist/ by `npm run build` (run automatically by `npm install`).
// Tracing starts first, when asked for, so its instrumentations are in place before the CLI's modules load.
if (process.env.OTEL_EXPORTER_OTLP_ENDPOINT) await (await import('../dist/observability/tracing.js')).startTracing();
const { main } = await import('../dist/cli/main.js');

main(process.argv.slice(2)).then(
  (code) => {
    if (typeof code === 'number') process.exitCode = code;
  },
  (err) => {
    console.error(err instanceof Error ? err.message : String(err));
    process.exitCode = 1;
  },
);
