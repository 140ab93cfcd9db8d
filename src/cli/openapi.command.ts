import { buildOpenApiDocument } from '../http/openapi.js';
import { VERSION } from '../version.js';

/** Prints the OpenAPI document the server serves; needs no configuration, database or Okta. */
export async function openapiCommand(): Promise<number> {
  const document = await buildOpenApiDocument(VERSION);
  process.stdout.write(`${JSON.stringify(document, null, 2)}\n`);
  return 0;
}
