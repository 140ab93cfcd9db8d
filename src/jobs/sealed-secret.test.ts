import { describe, expect, it } from 'vitest';
import { openSecret, sealSecret } from './sealed-secret.js';

const KEY = Buffer.alloc(32, 1);

describe('sealed secrets', () => {
  it('opens for the same request and key, and shows nothing of the secret', () => {
    const sealed = sealSecret(KEY, 'req_1', 'S3cret-Passw0rd!');
    expect(sealed).toMatch(/^v1\.[\w-]+\.[\w-]+\.[\w-]+$/);
    expect(sealed).not.toContain('S3cret');
    expect(openSecret(KEY, 'req_1', sealed)).toBe('S3cret-Passw0rd!');
    // A fresh IV each time: the same password seals differently.
    expect(sealSecret(KEY, 'req_1', 'S3cret-Passw0rd!')).not.toBe(sealed);
  });

  it('does not open for another request, another key, or a tampered value', () => {
    const sealed = sealSecret(KEY, 'req_1', 'pw');
    expect(() => openSecret(KEY, 'req_2', sealed)).toThrow(/does not open/);
    expect(() => openSecret(Buffer.alloc(32, 2), 'req_1', sealed)).toThrow(/does not open/);
    const [v, iv, tag, data] = sealed.split('.');
    const flipped = `${v}.${iv}.${tag}.${data!.startsWith('A') ? 'B' : 'A'}${data!.slice(1)}`;
    expect(() => openSecret(KEY, 'req_1', flipped)).toThrow(/does not open/);
    expect(() => openSecret(KEY, 'req_1', 'garbage')).toThrow(/not in the expected form/);
  });

  it('refuses to seal without JOB_SECRET_KEY', () => {
    expect(() => sealSecret(null, 'req_1', 'pw')).toThrow(/JOB_SECRET_KEY is not set/);
  });
});
