import { randomBytes } from 'node:crypto';

let lastMs = 0;
let counter = 0;

/**
 * Time-ordered unique ids (`prefix_` + 10 chars of time + 4 of sequence + 10 random), so sorting
 * by id follows creation order within a process and is close to it across processes.
 */
export function newId(prefix: string): string {
  const ms = Date.now();
  counter = ms === lastMs ? counter + 1 : 0;
  lastMs = ms;
  const time = ms.toString(36).padStart(10, '0');
  const seq = counter.toString(36).padStart(4, '0');
  const rand = randomBytes(8).toString('base64url').replace(/[-_]/g, 'x').slice(0, 10).toLowerCase();
  return `${prefix}_${time}${seq}${rand}`;
}
