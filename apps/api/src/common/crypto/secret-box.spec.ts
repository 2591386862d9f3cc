import { randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { SecretBox } from './secret-box.js';

describe('SecretBox', () => {
  const box = new SecretBox(randomBytes(32));

  it('round-trips and uses a fresh IV each time', () => {
    const a = box.encrypt('sk-live-123');
    const b = box.encrypt('sk-live-123');
    expect(a).not.toBe(b);
    expect(a).not.toContain('sk-live');
    // iv(12) + tag(16) + 11 bytes of ciphertext
    expect(Buffer.from(a, 'base64')).toHaveLength(12 + 16 + 11);
    expect(box.decrypt(a)).toBe('sk-live-123');
    expect(box.decrypt(b)).toBe('sk-live-123');
  });

  it('rejects tampered ciphertext and another key', () => {
    const enc = Buffer.from(box.encrypt('secret'), 'base64');
    enc[enc.length - 1]! ^= 1;
    expect(() => box.decrypt(enc.toString('base64'))).toThrow();
    expect(() => new SecretBox(randomBytes(32)).decrypt(box.encrypt('secret'))).toThrow();
    expect(() => new SecretBox(randomBytes(16))).toThrow(/32-byte/);
  });
});
