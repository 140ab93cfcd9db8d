/** The types file the build writes for an OpenAPI document (see api-types.mjs). */
export function apiTypesSource(document: unknown): Promise<string>;
