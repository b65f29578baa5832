// Password hashing (argon2id, OWASP parameters) and a policy like Django's default validators.
import { hash, verify } from '@node-rs/argon2';
import { readFileSync } from 'node:fs';
import { newSecret } from '../../lib/tokens.js';

// The library's default algorithm is argon2id; m=19 MiB, t=2, p=1 as OWASP advises.
const ARGON2 = { memoryCost: 19_456, timeCost: 2, parallelism: 1 };

export const hashPassword = (password: string): Promise<string> => hash(password, ARGON2);

export async function verifyPassword(stored: string, password: string): Promise<boolean> {
  try {
    return await verify(stored, password);
  } catch {
    return false;
  }
}

let unusable: Promise<string> | undefined;
/**
 * The hash of a random password generated in this process and never kept: accounts made or
 * activated through Google get it, so no password opens them (until a reset sets one) and a
 * password login against them costs the same time as any other.
 */
export const unusablePasswordHash = () => (unusable ??= hashPassword(newSecret()));

/** Verified against when the account does not exist, so both cases take the same time. */
export const dummyHash = hashPassword('not-a-real-password-only-for-timing');

export const MIN_LENGTH = 8;
export const MAX_LENGTH = 128;

const common = new Set(
  readFileSync(new URL('./data/common-passwords.txt', import.meta.url), 'utf8')
    .split('\n')
    .map((line) => line.trim().toLowerCase())
    .filter(Boolean),
);

/** Length of the longest common subsequence: the core of a SequenceMatcher-like ratio. */
function lcs(a: string, b: string): number {
  let prev = new Array<number>(b.length + 1).fill(0);
  for (let i = 1; i <= a.length; i++) {
    const row = new Array<number>(b.length + 1).fill(0);
    for (let j = 1; j <= b.length; j++) {
      row[j] = a[i - 1] === b[j - 1] ? prev[j - 1]! + 1 : Math.max(prev[j]!, row[j - 1]!);
    }
    prev = row;
  }
  return prev[b.length]!;
}

const similarity = (a: string, b: string) => (2 * lcs(a, b)) / (a.length + b.length);

export interface PersonalInfo {
  email?: string;
  first_name?: string;
  last_name?: string;
}

const ATTRIBUTE_NAMES: Record<keyof PersonalInfo, string> = {
  email: 'email address',
  first_name: 'first name',
  last_name: 'last name',
};

/** Every reason the password is too weak; empty when it is acceptable. */
export function passwordProblems(password: string, info: PersonalInfo): string[] {
  const problems: string[] = [];
  if (password.length < MIN_LENGTH) problems.push(`must be at least ${MIN_LENGTH} characters long`);
  if (password.length > MAX_LENGTH) problems.push(`must be at most ${MAX_LENGTH} characters long`);
  if (/^\d+$/.test(password)) problems.push('must not be entirely numeric');
  const lower = password.toLowerCase();
  if (common.has(lower)) problems.push('is too common');
  for (const key of Object.keys(ATTRIBUTE_NAMES) as (keyof PersonalInfo)[]) {
    const value = info[key]?.toLowerCase();
    if (!value) continue;
    // Like Django: the whole value and each of its word-parts (the local part of an email, say).
    const parts = [value, ...value.split(/\W+/)].filter((p) => p.length >= 3);
    if (parts.some((p) => similarity(lower, p) >= 0.7)) {
      problems.push(`is too similar to the ${ATTRIBUTE_NAMES[key]}`);
    }
  }
  return problems;
}
