/**
 * OpenTelemetry traces, on only when OTEL_EXPORTER_OTLP_ENDPOINT is set. bin/resetdesk.js calls
 * startTracing() before it imports the CLI, so the instrumentations are in place before the app's
 * modules load; with the variable unset nothing of the SDK is ever imported. The SDK reads the
 * standard OTEL_* variables itself (endpoint, headers, protocol, OTEL_SERVICE_NAME, batching).
 * No ESM loader hook (import-in-the-middle) is registered: what is patched is CommonJS loaded by
 * require() — pg's client and pool, the `http` Fastify uses — which require-in-the-middle covers,
 * and fetch is traced through diagnostics_channel. The hook, which wraps every module loaded
 * after it, only slowed start-up by seconds (test/tracing.test.ts shows the pg and HTTP spans).
 * Spans: the HTTP server and client (instrumentation-http, named by Fastify's route through
 * @fastify/otel), PostgreSQL queries (instrumentation-pg), fetch (instrumentation-undici), and one
 * span per Okta call (connectors/okta/okta-http.ts).
 */
import type { FastifyOtelInstrumentation } from '@fastify/otel';
import type { FastifyPluginCallback } from 'fastify';

/** Probes and scrapes arrive every few seconds from the orchestrator and Prometheus: not worth a trace. */
const UNTRACED_PATHS = new Set(['/healthz', '/readyz', '/metrics']);

/** How long stopping waits for the last spans: a collector that does not answer must not hold up a shutdown. */
const FLUSH_LIMIT_MS = 3000;

let fastifyOtel: FastifyOtelInstrumentation | null = null;
let shutdown: (() => Promise<void>) | null = null;

/** Starts the SDK when `env` names an OTLP endpoint; otherwise does nothing (and imports nothing). */
export async function startTracing(env: NodeJS.ProcessEnv = process.env): Promise<void> {
  if (!env.OTEL_EXPORTER_OTLP_ENDPOINT || shutdown) return;
  const [{ NodeSDK, resources }, { HttpInstrumentation }, { PgInstrumentation }, { UndiciInstrumentation }, otel] = await Promise.all([
    import('@opentelemetry/sdk-node'),
    import('@opentelemetry/instrumentation-http'),
    import('@opentelemetry/instrumentation-pg'),
    import('@opentelemetry/instrumentation-undici'),
    import('@fastify/otel'),
  ]);
  fastifyOtel = new otel.FastifyOtelInstrumentation({ ignorePaths: (route) => UNTRACED_PATHS.has(route.url) });
  const sdk = new NodeSDK({
    // The default service.name; OTEL_SERVICE_NAME or OTEL_RESOURCE_ATTRIBUTES, when set, win (the
    // SDK's environment detector merges over it; its `serviceName` option would win over them).
    resource: resources.defaultResource().merge(resources.resourceFromAttributes({ 'service.name': 'resetdesk' })),
    // Traces only, through the OTLP exporter the environment asks for (OTEL_EXPORTER_OTLP_PROTOCOL:
    // http/protobuf by default, http/json or grpc; an exporter passed here would ignore it). Metrics
    // are Prometheus's (GET /metrics): without these two the SDK would also push its own metrics
    // and set up a log exporter.
    metricReaders: [],
    logRecordProcessors: [],
    instrumentations: [
      new HttpInstrumentation({ ignoreIncomingRequestHook: (req) => UNTRACED_PATHS.has((req.url ?? '').split('?')[0] ?? '') }),
      // Only queries inside a traced unit of work (an HTTP request, an Okta call): the worker's
      // poll would otherwise send a root span several times a second.
      new PgInstrumentation({ requireParentSpan: true }),
      new UndiciInstrumentation(),
      fastifyOtel,
    ],
  });
  sdk.start();
  shutdown = () => sdk.shutdown();
  // A command that ends by running out of work (`apps sync`) sends its spans then; `serve` calls stopTracing itself.
  process.once('beforeExit', () => void stopTracing());
}

/** Sends the spans still buffered (for at most FLUSH_LIMIT_MS) and stops the SDK; a no-op when tracing is off. */
export async function stopTracing(): Promise<void> {
  const stop = shutdown;
  shutdown = null;
  if (!stop) return;
  let timer: NodeJS.Timeout | undefined;
  const limit = new Promise<void>((resolve) => {
    timer = setTimeout(resolve, FLUSH_LIMIT_MS).unref();
  });
  await Promise.race([stop(), limit]);
  clearTimeout(timer);
}

/** @fastify/otel's plugin for buildServer to register first; null when tracing is off. */
export function fastifyTracingPlugin(): FastifyPluginCallback | null {
  return fastifyOtel?.plugin() ?? null;
}
