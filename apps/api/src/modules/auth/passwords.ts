/**
 * Password hashing for better-auth's email + password sign-in: Argon2id (@node-rs/argon2, prebuilt) with the
 * OWASP-recommended parameters (19 MiB, 2 passes, 1 lane), stored as a PHC string (`$argon2id$v=19$m=…`).
 * Plugged into better-auth through `emailAndPassword.password.{hash,verify}`.
 */
import { hash, verify } from '@node-rs/argon2';

/** `Algorithm.Argon2id` (a const enum in the package's types, so written out here). */
const ARGON2ID = 2;

export function hashPassword(password: string): Promise<string> {
  return hash(password, { algorithm: ARGON2ID, memoryCost: 19_456, timeCost: 2, parallelism: 1 });
}

/** false for a wrong password and for a stored value that is not an Argon2 hash. */
export async function verifyPassword(stored: string, password: string): Promise<boolean> {
  if (!stored.startsWith('$argon2')) return false;
  try {
    return await verify(stored, password);
  } catch {
    return false;
  }
}
