import { randomFillSync } from 'node:crypto';

let lastMs = 0;
let counter = 0;

/**
 * Random bytes drawn a page at a time: a decision makes about ten ids, and one call into the
 * CSPRNG per id showed in profiles (crypto.randomUUID keeps a cache of random bytes the same way).
 */
const pool = Buffer.alloc(4096);
let used = pool.length;
function random8(): Buffer {
  if (used + 8 > pool.length) {
    randomFillSync(pool);
    used = 0;
  }
  used += 8;
  return pool.subarray(used - 8, used);
}

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
  const rand = random8().toString('base64url').replace(/[-_]/g, 'x').slice(0, 10).toLowerCase();
  return `${prefix}_${time}${seq}${rand}`;
}
