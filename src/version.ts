import { readFileSync } from 'node:fs';

/** The package version; src/ and dist/ both sit one level below package.json. */
export const VERSION: string = (JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8')) as { version: string })
  .version;

/** The project root (where fixtures/ and policy/ live), from src/ or dist/. */
export const PROJECT_ROOT = new URL('..', import.meta.url).pathname;
