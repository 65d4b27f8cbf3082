import { ACCOUNTS, type SecretStore } from '../secrets/secret-store';

/** What a redaction replaced; the kind shows in the marker, e.g. "[REDACTED:master-key]". */
export type RedactionKind =
  // the exact secrets Gatehouse keeps in the keychain
  | 'master-key'
  | 'pending-master-key'
  | 'claude-token'
  | 'salt-key'
  | 'database-password'
  // anything shaped like a secret
  | 'anthropic-token'
  | 'sk-key'
  | 'bearer'
  | 'key-value'
  | 'url-password'
  | 'jwt';

export type ExactSecretKind = Extract<RedactionKind, 'master-key' | 'pending-master-key' | 'claude-token' | 'salt-key' | 'database-password'>;

export interface KnownSecret {
  kind: ExactSecretKind;
  value: string;
}

const ACCOUNT_KINDS: [string, ExactSecretKind][] = [
  [ACCOUNTS.masterKey, 'master-key'],
  [ACCOUNTS.pendingMasterKey, 'pending-master-key'],
  [ACCOUNTS.claudeToken, 'claude-token'],
  [ACCOUNTS.saltKey, 'salt-key'],
  [ACCOUNTS.databasePassword, 'database-password'],
];

/**
 * Reads the exact secrets the gateway could print from the keychain accounts. An account that
 * cannot be read (locked keychain) is skipped: the shape rules still catch keys, and the caller
 * reads again later (on every attach and on rotation).
 */
export async function readKnownSecrets(store: SecretStore): Promise<KnownSecret[]> {
  const out: KnownSecret[] = [];
  await Promise.all(
    ACCOUNT_KINDS.map(async ([account, kind]) => {
      try {
        const value = await store.get(account);
        if (value) out.push({ kind, value });
      } catch {
        // see above: never fatal for logging
      }
    }),
  );
  return out;
}

export const REDACTED_PREFIX = '[REDACTED:';

function marker(kind: RedactionKind): string {
  return `${REDACTED_PREFIX}${kind}]`;
}

// Values after "api_key=" and friends that are not secrets: printing them is no finding.
const BENIGN_VALUE = /^(?:none|null|nil|true|false|undefined|not[_ ]?set|\*+|x+|\.\.\.|os\.environ\/.*|\[redacted.*|<[^>]*>|\$\{.*\}?)$/i;

// Secret-shaped text. One combined pattern, so that a line is scanned once; the capture groups
// tell which rule matched. The names before ":"/"=" cover LiteLLM's config and cache dumps
// ("'master_key': '…'", api_key=…, LITELLM_MASTER_KEY=…, "password": …).
const SHAPES = [
  String.raw`(?<![A-Za-z0-9_])(sk-ant-[A-Za-z0-9_-]{8,})`, // 1: Anthropic / Claude OAuth token
  String.raw`(?<![A-Za-z0-9_])(sk-[A-Za-z0-9_-]{4,})`, // 2: OpenAI/LiteLLM style key, short ones too (sk-1234)
  String.raw`\b(bearer\s+)([A-Za-z0-9._~+/=-]{6,})`, // 3,4: Authorization: Bearer …
  String.raw`(?<![a-z0-9])((?:x-)?api[_-]?key|(?:litellm[_-])?master[_-]?key|salt[_-]?key|(?:client[_-])?secret(?:[_-]?key)?|password|passwd|(?:access|auth|refresh|oauth|id)?[_-]?token)(\\?["']?\s*[:=]\s*\\?["']?)([^\s'",;&}\]\\]+)`, // 5,6,7
  String.raw`(\b[a-z][a-z0-9+.-]{1,15}://[^\s:/@]{1,128}:)([^\s@/]{1,256})(@)`, // 8,9,10: scheme://user:password@
  String.raw`\b(eyJ[A-Za-z0-9_-]{10,}\.[A-Za-z0-9_-]{10,}\.[A-Za-z0-9_-]{10,})`, // 11: JWT
];

// Every shape above contains one of these; most log lines contain none, and this scan costs a
// tenth of the full one. Exact secrets that contain none of them (hex salt key, DB password)
// are looked for with includes().
const PREFILTER = /sk-|bearer|:\/\/|eyj|(?:key|secret|passw(?:or)?d|token)\\?["']?\s*[:=]/i;

function escapeRegex(s: string): string {
  return s.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&');
}

/**
 * Removes secrets from log text before anything stores or shows it: the exact secrets from the
 * keychain (current and pending master key, Claude token, salt key, database password) and
 * anything shaped like one. Counts what it replaced; the engine adds a line's counts to its
 * totals once the line is accepted (not a duplicate of one already counted).
 */
export class Redactor {
  private readonly shapes = new RegExp(SHAPES.join('|'), 'gi');
  /** The exact secrets, longest first; null when there are none. */
  private exactPattern: RegExp | null = null;
  private exact = new Map<string, ExactSecretKind>();
  private exactUnfiltered: string[] = [];
  /** Redactions made by the last redact() call, by kind (empty when none). */
  lastKinds: RedactionKind[] = [];
  /** Whether the last redact() call replaced one of the exact secrets. */
  lastHadExact = false;

  constructor(secrets: KnownSecret[] = []) {
    this.compile(secrets);
  }

  setSecrets(secrets: KnownSecret[]): void {
    this.compile(secrets);
  }

  private compile(secrets: KnownSecret[]): void {
    this.exact = new Map();
    // Longest first, so that a secret that contains another is replaced whole.
    const usable = secrets.filter((s) => s.value.length >= 4).sort((a, b) => b.value.length - a.value.length);
    for (const s of usable) if (!this.exact.has(s.value)) this.exact.set(s.value, s.kind);
    this.exactUnfiltered = [...this.exact.keys()].filter((v) => !PREFILTER.test(v));
    this.exactPattern = usable.length ? new RegExp(usable.map((s) => escapeRegex(s.value)).join('|'), 'gi') : null;
  }

  /**
   * Two passes: the exact keychain secrets first, then the shape rules on what is left. A shape
   * rule cuts a value at a separator (`;`, `,`, `&`, a blank, a quote), so if it ran first over
   * `password=Pa;ss w0rd` it would hide "Pa" and step over the rest of the real password.
   */
  redact(text: string): string {
    if (this.lastKinds.length) this.lastKinds = [];
    this.lastHadExact = false;
    if (!PREFILTER.test(text) && !this.hasUnfilteredExact(text)) return text;
    let out = text;
    const exact = this.exactPattern;
    if (exact) {
      exact.lastIndex = 0;
      out = out.replace(exact, (value: string) => this.hit(this.exactKind(value) ?? 'master-key', true));
    }
    if (out !== text && !PREFILTER.test(out)) return out;
    const re = this.shapes;
    re.lastIndex = 0;
    return out.replace(re, (...m: (string | undefined)[]) => this.replace(m));
  }

  private hasUnfilteredExact(text: string): boolean {
    for (const v of this.exactUnfiltered) if (text.includes(v)) return true;
    return false;
  }

  private replace(m: (string | undefined)[]): string {
    if (m[1] !== undefined) return this.hitValue(m[1] as string, 'anthropic-token');
    if (m[2] !== undefined) return this.hitValue(m[2] as string, 'sk-key');
    if (m[4] !== undefined) return (m[3] as string) + this.hitValue(m[4] as string, 'bearer');
    if (m[7] !== undefined) {
      const value = m[7] as string;
      if (BENIGN_VALUE.test(value) || value.length < 4) return m[0] as string;
      return (m[5] as string) + (m[6] as string) + this.hitValue(value, 'key-value');
    }
    if (m[9] !== undefined) {
      const value = m[9] as string;
      if (BENIGN_VALUE.test(value)) return m[0] as string;
      return (m[8] as string) + this.hitValue(value, 'url-password') + '@';
    }
    if (m[11] !== undefined) return this.hitValue(m[11] as string, 'jwt');
    return m[0] as string;
  }

  private exactKind(value: string): ExactSecretKind | undefined {
    return this.exact.get(value) ?? [...this.exact].find(([v]) => v.toLowerCase() === value.toLowerCase())?.[1];
  }

  /** A shape match that is also one of the exact secrets is reported as that secret. */
  private hitValue(value: string, kind: RedactionKind): string {
    const exact = this.exact.size ? this.exact.get(value) : undefined;
    return exact ? this.hit(exact, true) : this.hit(kind, false);
  }

  private hit(kind: RedactionKind, exact: boolean): string {
    this.lastKinds.push(kind);
    if (exact) this.lastHadExact = true;
    return marker(kind);
  }
}
