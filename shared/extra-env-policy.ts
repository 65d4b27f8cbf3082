/**
 * What may go into `extraEnv`, the gateway's plain (non-secret) environment. Those values are
 * written to settings.json and shown by `docker inspect`, so a secret there is a secret on
 * disk: secret-shaped names and values are refused and pointed at the keychain-backed commands.
 * Variables that send the gateway's traffic elsewhere or load code into it are allowed (people
 * need a proxy) but always named in a warning. No runtime dependencies.
 */

/** Names Gatehouse itself injects from the keychain or derives at start. */
export const RESERVED_ENV_NAMES: ReadonlySet<string> = new Set([
  'LITELLM_MASTER_KEY',
  'LITELLM_SALT_KEY',
  'CLAUDE_CODE_OAUTH_TOKEN',
  'DATABASE_URL',
  'POSTGRES_PASSWORD',
]);

/**
 * Words of a name (split at "_") that say it holds a credential: OPENAI_API_KEY, GITHUB_TOKEN,
 * AWS_SECRET_ACCESS_KEY, UI_PASSWORD. Whole words only, so that SSL_KEYFILE_PATH (a path the
 * seed image reads for HTTPS), MAX_TOKENS_PER_MINUTE or KEYCLOAK_URL stay allowed.
 */
const SECRET_WORDS = new Set(['KEY', 'APIKEY', 'TOKEN', 'SECRET', 'PASSWORD', 'PASSWD', 'PASSPHRASE', 'CREDENTIAL', 'CREDENTIALS']);

/** A name whose last word says its value is where a secret is, not the secret itself. */
const LOCATION_SUFFIX = new Set(['PATH', 'FILE', 'DIR']);

/** A switch or a small number (DISABLE_KEY_CHECK=true, MAX_KEY_AGE=30) holds no secret, whatever its name. */
const FLAG_VALUE = /^(?:|true|false|yes|no|on|off|\d{1,6})$/i;

// Shapes of credentials people paste: provider keys and tokens, bearer headers, JWTs, private
// keys, and URLs with a password in them. Never echoed back: the refusal names the variable only.
const SECRET_VALUE_SHAPES: readonly RegExp[] = [
  /(?:^|[^A-Za-z0-9])sk-[A-Za-z0-9_-]{8,}/, // OpenAI, Anthropic, LiteLLM virtual and master keys
  /(?:^|[^A-Za-z0-9])(?:ghp|gho|ghu|ghs|ghr)_[A-Za-z0-9]{20,}|github_pat_[A-Za-z0-9_]{20,}/, // GitHub
  /(?:^|[^A-Za-z0-9])xox[abprs]-[A-Za-z0-9-]{10,}/, // Slack
  /(?:^|[^A-Za-z0-9])AKIA[0-9A-Z]{16}(?![0-9A-Z])/, // AWS access key id
  /(?:^|[^A-Za-z0-9])AIza[0-9A-Za-z_-]{35}/, // Google API key
  /\beyJ[A-Za-z0-9_-]{10,}\.[A-Za-z0-9_-]{10,}\.[A-Za-z0-9_-]{10,}/, // JWT
  /-----BEGIN [A-Z ]*PRIVATE KEY-----/,
  /^\s*bearer\s+\S{8,}/i,
  /\b[a-z][a-z0-9+.-]{1,15}:\/\/[^\s:/@]*:[^\s@/]+@/i, // scheme://user:password@host
];

/** Shannon entropy in bits per character. */
function entropy(text: string): number {
  const counts = new Map<string, number>();
  for (const ch of text) counts.set(ch, (counts.get(ch) ?? 0) + 1);
  let h = 0;
  for (const n of counts.values()) {
    const p = n / text.length;
    h -= p * Math.log2(p);
  }
  return h;
}

/**
 * A long random-looking token (32+ characters of base64/base64url with letters and digits and
 * more than 4.2 bits of entropy per character). Hex digests and UUIDs stay below that (hex
 * carries 4 bits at most), as do words, paths and URLs without a password.
 */
function looksRandom(value: string): boolean {
  const v = value.trim();
  if (v.length < 32 || !/^[A-Za-z0-9+/=_-]+$/.test(v)) return false;
  if (!/[A-Za-z]/.test(v) || !/[0-9]/.test(v)) return false;
  return entropy(v) > 4.2;
}

/**
 * Why a name must not be set as plain environment, or null when it may. With the value, a
 * switch or small number under a secret-sounding name is allowed (it cannot be a credential).
 */
export function secretNameReason(name: string, value?: string): string | null {
  if (RESERVED_ENV_NAMES.has(name)) return 'is a secret that Gatehouse keeps in the keychain; it cannot be set as plain environment';
  if (value !== undefined && FLAG_VALUE.test(value.trim())) return null;
  const words = name.toUpperCase().split('_').filter(Boolean);
  const last = words[words.length - 1];
  if (last !== undefined && LOCATION_SUFFIX.has(last)) return null;
  if (words.some((w) => SECRET_WORDS.has(w))) {
    return 'is named like a secret; secrets are not kept in settings.json (a plain file) or the container\'s plain environment';
  }
  return null;
}

/** Whether a value looks like a credential (the value itself is never repeated in a message). */
export function isSecretShapedValue(value: string): boolean {
  return SECRET_VALUE_SHAPES.some((re) => re.test(value)) || looksRandom(value);
}

/** The fix for a refused name or value: where secrets go instead. */
export function secretEnvFix(field: string): string {
  return (
    `Leave "${field}" out of the settings: secrets live in the keychain. ` +
    'Gatehouse injects the master key, salt key, Claude token and database password itself ' +
    '(`gatehouse key import --env-file FILE --scrub` moves a .env\'s secrets there; `gatehouse claude set-token` stores the Claude token). ' +
    'Provider keys belong in LiteLLM\'s own key management, not in the container\'s environment.'
  );
}

const REDIRECT_NAMES = new Set(['HTTP_PROXY', 'HTTPS_PROXY', 'ALL_PROXY', 'NO_PROXY', 'LD_PRELOAD', 'LD_LIBRARY_PATH', 'NODE_OPTIONS', 'PYTHONPATH', 'PYTHONSTARTUP', 'PYTHONHOME', 'SSL_CERT_FILE', 'REQUESTS_CA_BUNDLE']);

/**
 * Why a variable deserves a warning (it sends the gateway's requests, and so its keys, to
 * another server, or loads code into it), or null.
 */
export function redirectWarning(name: string): string | null {
  const n = name.toUpperCase();
  if (n.endsWith('_BASE_URL') || n.endsWith('_API_BASE') || n.endsWith('_PROXY') || n === 'PROXY') {
    return `extraEnv.${name} sends the gateway's requests (and the credentials they carry) to the server it names; set it only if you trust that server.`;
  }
  if (REDIRECT_NAMES.has(n)) {
    return n.startsWith('LD_') || n.startsWith('PYTHON') || n === 'NODE_OPTIONS'
      ? `extraEnv.${name} loads code into the gateway's process; set it only if you know what it loads.`
      : `extraEnv.${name} changes where the gateway connects or whom it trusts; set it only if you trust what it points to.`;
  }
  return null;
}

/** The warnings for a whole extraEnv map, one line each. */
export function extraEnvWarnings(extraEnv: Record<string, string>): string[] {
  return Object.keys(extraEnv)
    .map(redirectWarning)
    .filter((w): w is string => w !== null);
}
