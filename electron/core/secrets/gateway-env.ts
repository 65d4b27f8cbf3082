import type { KeyManager } from './key-manager';
import { ACCOUNTS, type SecretStore } from './secret-store';
import { ensureSaltKey } from './salt-key';

export interface GatewaySecretDeps {
  keys: KeyManager;
  secrets: SecretStore;
  /** DATABASE_URL and STORE_MODEL_IN_DB when the database is on (services/database.ts). */
  database?: () => Promise<Record<string, string>>;
  /** SSL_CERTFILE_PATH / SSL_KEYFILE_PATH and the certificate's fingerprint when TLS is on (tls/gateway-tls.ts gatewayEnv). */
  tls?: () => Promise<Record<string, string>>;
}

export interface GatewaySecretOptions {
  /** Use this master key instead of the keychain's current one (a rotation's pending key). */
  masterKey?: string;
}

/**
 * The one place that decides which secrets the gateway container gets in its environment at
 * create time (and nowhere else: no .env, no file, no log). The master key is created on first
 * use. Other secrets (LITELLM_SALT_KEY, CLAUDE_CODE_OAUTH_TOKEN) are added here by their owners.
 */
export async function gatewaySecretEnv(deps: GatewaySecretDeps, options: GatewaySecretOptions = {}): Promise<Record<string, string>> {
  const masterKey = options.masterKey ?? (await deps.keys.ensure());
  const env: Record<string, string> = { LITELLM_MASTER_KEY: masterKey };
  // Generated once and never rotated: LiteLLM encrypts stored credentials with it (salt-key.ts).
  env.LITELLM_SALT_KEY = await ensureSaltKey(deps.secrets);
  const claudeToken = await deps.secrets.get(ACCOUNTS.claudeToken);
  if (claudeToken) env.CLAUDE_CODE_OAUTH_TOKEN = claudeToken;
  if (deps.database) Object.assign(env, await deps.database());
  // Not secrets, but decided here with them: a new certificate means a new container, like a new key.
  if (deps.tls) Object.assign(env, await deps.tls());
  return env;
}
