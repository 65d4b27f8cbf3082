/**
 * The one judgement of whether a master key is strong enough to be the only barrier in front of
 * a Claude account. Used by the security check (key strength), and by import and rotation to
 * refuse or flag a weak key. Pure: it sees the key, returns reasons, and never echoes the key.
 */

/** Keys published in LiteLLM's docs, the seed project's README and tutorials: anyone can guess them. */
export const KNOWN_WEAK_KEYS: readonly string[] = [
  'sk-1234',
  'sk-12345',
  'sk-123456',
  'sk-dev-test-key',
  'sk-your-desired-custom-key',
  'sk-development-only',
  'your-secret-key-here',
  'sk-your-secret-key-here',
  'sk-litellm',
  'sk-master-key',
  'sk-changeme',
  'sk-test',
];

/** Words that only people type; a random key does not contain them. */
const HUMAN_WORDS = /(test|dev|demo|example|sample|changeme|change-me|password|passwd|secret|master|admin|default|your|custom|litellm|local)/i;

export const MIN_KEY_BITS = 128;

export interface KeyStrength {
  strong: boolean;
  /** Estimated random bits in the part after "sk-" (an upper bound for hand-made keys). */
  estimatedBits: number;
  /** Why the key is weak, one short phrase each; empty when strong. */
  problems: string[];
}

/** Size of the smallest common alphabet the characters come from. */
function alphabetSize(body: string): number {
  if (/^[0-9]+$/.test(body)) return 10;
  if (/^[0-9a-f]+$/.test(body) || /^[0-9A-F]+$/.test(body)) return 16;
  if (/^[a-z]+$/.test(body) || /^[A-Z]+$/.test(body)) return 26;
  if (/^[0-9a-z]+$/.test(body) || /^[0-9A-Z]+$/.test(body)) return 36;
  if (/^[0-9A-Za-z]+$/.test(body)) return 62;
  if (/^[0-9A-Za-z_-]+$/.test(body) || /^[0-9A-Za-z+/=]+$/.test(body)) return 64;
  return 94;
}

/**
 * Estimates the key's randomness from its length and alphabet, then discounts the shapes random
 * keys do not have: few distinct characters, long runs, human words. The estimate is generous to
 * a real random key (64 hex digits = 256 bits) and stingy to anything typed by hand.
 */
export function judgeKeyStrength(key: string): KeyStrength {
  const problems: string[] = [];
  if (KNOWN_WEAK_KEYS.includes(key) || KNOWN_WEAK_KEYS.includes(key.toLowerCase())) {
    problems.push('it is a published example/default key');
  }
  if (!key.startsWith('sk-')) problems.push('it does not start with "sk-", which LiteLLM requires');
  const body = key.startsWith('sk-') ? key.slice(3) : key;
  let bits = body.length === 0 ? 0 : body.length * Math.log2(alphabetSize(body));
  const distinct = new Set(body).size;
  // A random string of n characters from a large alphabet has close to min(n, alphabet) distinct
  // characters; a handful of distinct ones means repetition, so credit only what they can encode.
  if (body.length >= 8 && distinct < Math.min(body.length, 16) / 2) {
    bits = Math.min(bits, distinct * 4);
    problems.push('it repeats a few characters');
  } else if (/(.)\1{5,}/.test(body)) {
    bits = Math.min(bits, bits / 2);
    problems.push('it contains a long run of one character');
  }
  if (HUMAN_WORDS.test(body)) {
    // Words are guessable: credit only the characters outside them.
    const rest = body.replace(new RegExp(HUMAN_WORDS.source, 'gi'), '');
    bits = Math.min(bits, rest.length * Math.log2(alphabetSize(rest || '0')));
    if (bits < MIN_KEY_BITS) problems.push('it is made of words rather than random characters');
  }
  bits = Math.floor(bits);
  if (bits < MIN_KEY_BITS && !problems.some((p) => p.startsWith('it is a published'))) {
    problems.push(`it has about ${bits} random bits, fewer than ${MIN_KEY_BITS}`);
  }
  return { strong: problems.length === 0, estimatedBits: bits, problems };
}
