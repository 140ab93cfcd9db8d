// Filled in by the integration harness (PostgreSQL discovery/start-up); a no-op until then.
export default async function setup(): Promise<void> {}
