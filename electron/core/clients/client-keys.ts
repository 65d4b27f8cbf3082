import type { Settings } from '../../../shared/api';
import { CLIENT_EXPIRES_PATTERN, CLIENT_NAME_PATTERN, type ClientKeyInfo, type ClientKeyOptions } from '../../../shared/clients';
import { GatehouseError } from '../errors';
import type { StateStore } from '../state-store';
import { fingerprint } from '../secrets/master-key';
import type { SecretStore } from '../secrets/secret-store';
import { gatewayErrorText, gatewayRequest, networkErrorText, type GatewayAnswer } from './gateway-http';

/** Keychain account of a client's key: one entry per client. */
export const CLIENT_KEY_ACCOUNT_PREFIX = 'client-key:';
export function clientKeyAccount(name: string): string {
  return CLIENT_KEY_ACCOUNT_PREFIX + name;
}

/**
 * What state.json keeps per client (section `clients`): the names (the keychain cannot be listed
 * safely), and LiteLLM's token of the key (its SHA-256, which LiteLLM itself stores and answers
 * with) to find it in /key/list and delete it. Never the key.
 */
interface ClientRecord {
  token: string;
  fingerprint: string;
  createdAt: string;
}
type ClientsState = Record<string, ClientRecord>;
const SECTION = 'clients';

/** LiteLLM's key object as /key/list (return_full_object) and /key/generate answer it. */
interface LiteLlmKey {
  token?: string;
  key_alias?: string | null;
  models?: string[];
  max_budget?: number | null;
  spend?: number | null;
  expires?: string | null;
  created_at?: string | null;
}

export interface ClientKeysDeps {
  settings: () => Promise<Settings>;
  secrets: SecretStore;
  state: StateStore;
  /** The master key (keychain): the key endpoints are admin calls. */
  masterKey: () => Promise<string>;
  /** The gateway's origin as this process reaches it (no /v1). */
  origin: () => Promise<string>;
  now?: () => Date;
}

export function validateClientName(name: string): string {
  if (!CLIENT_NAME_PATTERN.test(name)) {
    throw new GatehouseError(
      'INVALID_ARGUMENT',
      `"${name.slice(0, 70)}" is not a usable client name: use 1–63 letters, digits, dots, dashes or underscores, starting with a letter or digit.`,
      'Name the tool, e.g. `gatehouse clients add open-webui`.',
    );
  }
  return name;
}

export function validateKeyOptions(o: ClientKeyOptions): ClientKeyOptions {
  if (o.expires !== undefined && !CLIENT_EXPIRES_PATTERN.test(o.expires)) {
    throw new GatehouseError('INVALID_ARGUMENT', `--expires "${o.expires.slice(0, 20)}" is not a duration.`, 'Use a number and a unit: 30d, 12h, 90m, 45s, 2w.');
  }
  if (o.budget !== undefined && !(Number.isFinite(o.budget) && o.budget > 0)) {
    throw new GatehouseError('INVALID_ARGUMENT', 'The budget must be a positive number of US dollars.', 'For example: --budget 5 (or 2.50).');
  }
  if (o.models !== undefined && (o.models.length === 0 || o.models.some((m) => !/^[\w.:/@-]{1,200}$/.test(m)))) {
    throw new GatehouseError('INVALID_ARGUMENT', 'The model list is empty or holds a name with unusual characters.', 'Give model names separated by commas: --models claude-sonnet-4,claude-3-5-haiku.');
  }
  return o;
}

/**
 * Per-tool client keys: LiteLLM virtual keys made through its own key endpoints with the master
 * key, each kept in the keychain under its own account. The key reaches the user only through
 * the callers' explicit copy/print paths (`reveal`). Virtual keys live in LiteLLM's database,
 * stored hashed, so they need the database and survive master-key rotations.
 */
export class ClientKeys {
  private readonly now: () => Date;

  constructor(private readonly deps: ClientKeysDeps) {
    this.now = deps.now ?? (() => new Date());
  }

  /** DATABASE_OFF unless the database setting is on. */
  async requireDatabase(): Promise<void> {
    if ((await this.deps.settings()).database.enabled) return;
    throw new GatehouseError(
      'DATABASE_OFF',
      'Client keys need the database: LiteLLM keeps its virtual keys only in PostgreSQL, and the database setting is off.',
      'Turn it on with `gatehouse db enable`, then `gatehouse restart`. It runs a PostgreSQL container beside the gateway (an image of about 150 MB, a data volume, some memory).',
    );
  }

  private async admin(method: 'GET' | 'POST', path: string, body?: unknown): Promise<GatewayAnswer> {
    const [origin, key] = await Promise.all([this.deps.origin(), this.deps.masterKey()]);
    try {
      return await gatewayRequest(origin + path, { method, key, body });
    } catch (err) {
      throw new GatehouseError('GATEWAY_REFUSED', `The gateway at ${origin} did not answer ${path} (${networkErrorText(err)}).`, 'Start it with `gatehouse start` and check `gatehouse status`.', {
        cause: err,
      });
    }
  }

  private refused(what: string, answer: GatewayAnswer): GatehouseError {
    const text = gatewayErrorText(answer);
    const fix =
      answer.status === 401
        ? 'The gateway does not take the keychain\'s master key: `gatehouse restart` recreates it with that key.'
        : /not connected to db|no connected db|database/i.test(text)
          ? 'The gateway has no database connection: `gatehouse db status`, then `gatehouse restart`.'
          : 'Read the gateway\'s log: `gatehouse logs --since 5m`.';
    return new GatehouseError('GATEWAY_REFUSED', `LiteLLM refused to ${what} (HTTP ${answer.status}): ${text}`, fix);
  }

  private async records(): Promise<ClientsState> {
    return (await this.deps.state.read<ClientsState>(SECTION)) ?? {};
  }

  private async record(name: string): Promise<ClientRecord> {
    const rec = (await this.records())[name];
    if (!rec) {
      throw new GatehouseError('NOT_FOUND', `There is no client key named "${name}".`, 'List them with `gatehouse clients list`; make one with `gatehouse clients add NAME`.');
    }
    return rec;
  }

  /** Stores a key LiteLLM just made; if the keychain cannot hold it, the key is deleted again (no key nobody can use). */
  private async keep(name: string, key: string, token: string, createdAt: string): Promise<void> {
    try {
      await this.deps.secrets.set(clientKeyAccount(name), key);
      if ((await this.deps.secrets.get(clientKeyAccount(name))) !== key) {
        throw new GatehouseError('KEYCHAIN_LOCKED', `The key of client "${name}" could not be read back from the keychain.`, 'Unlock your login keyring and run the command again.');
      }
    } catch (err) {
      await this.admin('POST', '/key/delete', { keys: [token] }).catch(() => undefined);
      throw err;
    }
    await this.deps.state.update<ClientsState>(SECTION, (prev) => ({ ...(prev ?? {}), [name]: { token, fingerprint: fingerprint(key), createdAt } }));
  }

  /** `/key/generate` with key_alias = name; the key goes to the keychain. */
  async add(name: string, options: ClientKeyOptions = {}): Promise<ClientKeyInfo> {
    validateClientName(name);
    validateKeyOptions(options);
    await this.requireDatabase();
    if ((await this.records())[name]) {
      throw new GatehouseError('INVALID_ARGUMENT', `A client key named "${name}" exists already.`, `Give it a new key with \`gatehouse clients rotate ${name}\`, or choose another name.`);
    }
    const answer = await this.admin('POST', '/key/generate', {
      key_alias: name,
      ...(options.models ? { models: options.models } : {}),
      ...(options.budget !== undefined ? { max_budget: options.budget } : {}),
      ...(options.expires ? { duration: options.expires } : {}),
      metadata: { created_by: 'gatehouse' },
    });
    if (answer.status !== 200) throw this.refused(`make a key for "${name}"`, answer);
    const made = answer.json as LiteLlmKey & { key?: string };
    if (typeof made.key !== 'string' || typeof made.token !== 'string') {
      throw new GatehouseError('GATEWAY_REFUSED', 'LiteLLM answered /key/generate without a key.', 'Check that the gateway image is LiteLLM with its database: `gatehouse db status`.');
    }
    const createdAt = made.created_at ?? this.now().toISOString();
    await this.keep(name, made.key, made.token, createdAt);
    return this.describe(name, { token: made.token, fingerprint: fingerprint(made.key), createdAt }, made);
  }

  /** The client's key from the keychain, for the explicit copy/print paths only. */
  async reveal(name: string): Promise<string> {
    validateClientName(name);
    await this.record(name);
    const key = await this.deps.secrets.get(clientKeyAccount(name));
    if (!key) {
      throw new GatehouseError('NOT_FOUND', `The keychain holds no key for client "${name}".`, `Give it a new one: \`gatehouse clients rotate ${name}\`.`);
    }
    return key;
  }

  /** Every client Gatehouse made, with alias, created, expiry, budget and spend from LiteLLM. */
  async list(): Promise<ClientKeyInfo[]> {
    await this.requireDatabase();
    const records = await this.records();
    const names = Object.keys(records).sort();
    if (!names.length) return [];
    const answer = await this.admin('GET', '/key/list?return_full_object=true&size=100');
    if (answer.status !== 200) throw this.refused('list its keys', answer);
    const keys = ((answer.json as { keys?: unknown[] })?.keys ?? []).filter((k): k is LiteLlmKey => typeof k === 'object' && k !== null);
    return names.map((name) => {
      const rec = records[name] as ClientRecord;
      return this.describe(name, rec, keys.find((k) => k.token === rec.token) ?? null);
    });
  }

  /**
   * A new key for the client (`/key/regenerate`: same alias, limits and spend, the old key refused
   * at once); the keychain entry is replaced. Where regenerate is unavailable (it is an
   * Enterprise route in some LiteLLM builds) the key is deleted and made again with the same limits.
   */
  async rotate(name: string): Promise<ClientKeyInfo> {
    validateClientName(name);
    await this.requireDatabase();
    const rec = await this.record(name);
    let answer = await this.admin('POST', '/key/regenerate', { key: rec.token });
    if (answer.status === 403 || (answer.status >= 400 && /enterprise|premium/i.test(gatewayErrorText(answer)))) {
      answer = await this.recreate(name, rec);
    }
    if (answer.status !== 200) throw this.refused(`give "${name}" a new key`, answer);
    const made = answer.json as LiteLlmKey & { key?: string };
    if (typeof made.key !== 'string' || typeof made.token !== 'string') {
      throw new GatehouseError('GATEWAY_REFUSED', 'LiteLLM answered the key regeneration without a key.', 'Read the gateway\'s log: `gatehouse logs --since 5m`.');
    }
    await this.keep(name, made.key, made.token, rec.createdAt);
    return this.describe(name, { token: made.token, fingerprint: fingerprint(made.key), createdAt: rec.createdAt }, made);
  }

  private async recreate(name: string, rec: ClientRecord): Promise<GatewayAnswer> {
    const info = await this.admin('GET', `/key/info?key=${encodeURIComponent(rec.token)}`);
    const old = ((info.json as { info?: LiteLlmKey })?.info ?? {}) as LiteLlmKey;
    const del = await this.admin('POST', '/key/delete', { keys: [rec.token] });
    if (del.status !== 200 && del.status !== 404) throw this.refused(`delete the old key of "${name}"`, del);
    const left = old.expires ? Math.max(1, Math.floor((Date.parse(old.expires) - this.now().getTime()) / 1000)) : null;
    return this.admin('POST', '/key/generate', {
      key_alias: name,
      ...(old.models && old.models.length ? { models: old.models } : {}),
      ...(typeof old.max_budget === 'number' ? { max_budget: old.max_budget } : {}),
      ...(left ? { duration: `${left}s` } : {}),
      metadata: { created_by: 'gatehouse' },
    });
  }

  /** `/key/delete`: refused by the gateway at once; the keychain entry and the record go too. */
  async revoke(name: string): Promise<void> {
    validateClientName(name);
    await this.requireDatabase();
    const rec = await this.record(name);
    const answer = await this.admin('POST', '/key/delete', { keys: [rec.token] });
    // 404: already gone from LiteLLM (deleted elsewhere); the local entries still go.
    if (answer.status !== 200 && answer.status !== 404) throw this.refused(`delete the key of "${name}"`, answer);
    await this.deps.secrets.delete(clientKeyAccount(name));
    await this.deps.state.update<ClientsState>(SECTION, (prev) => {
      const next = { ...(prev ?? {}) };
      delete next[name];
      return next;
    });
  }

  /** Every client key the keychain holds (for the security checks' disk and log scans); unreadable ones are left out. */
  async allKeys(): Promise<string[]> {
    const names = Object.keys(await this.records());
    const keys = await Promise.all(names.map((n) => this.deps.secrets.get(clientKeyAccount(n)).catch(() => null)));
    return keys.filter((k): k is string => typeof k === 'string' && k.length > 0);
  }

  /** Whether a client of this name exists (for choosing the key of Connect and Test). */
  async has(name: string): Promise<boolean> {
    return (await this.records())[name] !== undefined;
  }

  private describe(name: string, rec: ClientRecord, k: LiteLlmKey | null): ClientKeyInfo {
    return {
      name,
      fingerprint: rec.fingerprint,
      inGateway: k !== null,
      createdAt: k?.created_at ?? rec.createdAt,
      expires: k?.expires ?? null,
      maxBudget: typeof k?.max_budget === 'number' ? k.max_budget : null,
      spend: typeof k?.spend === 'number' ? k.spend : k ? 0 : null,
      models: Array.isArray(k?.models) ? k.models : [],
    };
  }
}
