import crypto from 'node:crypto';

/** 256 random bits from the OS CSPRNG, in the shape LiteLLM requires: "sk-" + 64 hex digits. */
export function generateMasterKey(): string {
  return 'sk-' + crypto.randomBytes(32).toString('hex');
}

/** 256 random bits for secrets that need no prefix (salt key, database password). */
export function generateSecret(): string {
  return crypto.randomBytes(32).toString('hex');
}

/**
 * A short, stable, non-reversible name for a secret: "sha256:" + the first 12 hex digits of its
 * SHA-256. Enough to tell keys apart in status output and to compare the keychain's key with the
 * one a container runs with; far too little to guess the key from.
 */
export function fingerprint(secret: string): string {
  return 'sha256:' + crypto.createHash('sha256').update(secret, 'utf8').digest('hex').slice(0, 12);
}
