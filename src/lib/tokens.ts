import { createHash, randomBytes } from 'node:crypto';

/** A secret of 256 random bits, URL-safe, for API keys and emailed tokens. */
export const newSecret = (): string => randomBytes(32).toString('base64url');

/** What the database keeps instead of a secret: a leaked table grants nothing. */
export const hashSecret = (secret: string): string =>
  createHash('sha256').update(secret).digest('hex');
