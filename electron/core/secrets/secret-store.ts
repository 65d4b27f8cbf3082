/**
 * Where secrets live: the OS keychain, and nothing else. The core depends only on this
 * interface, so swapping keytar (archived upstream) for Electron's safeStorage or another
 * keyring binding is a one-file change.
 */
export interface SecretStore {
  /** Returns null when the account has no secret. */
  get(account: string): Promise<string | null>;
  set(account: string, secret: string): Promise<void>;
  /** Returns whether something was deleted. */
  delete(account: string): Promise<boolean>;
  /** A short name of the backend for status views, e.g. "Secret Service (libsecret)". */
  readonly backendName: string;
}

/** Account names used in the keychain under the service name (default "Gatehouse"). */
export const ACCOUNTS = {
  masterKey: 'litellm-master-key',
  pendingMasterKey: 'litellm-master-key-pending',
  saltKey: 'litellm-salt-key',
  claudeToken: 'claude-code-oauth-token',
  databasePassword: 'postgres-password',
  /** The local CA's private key (PKCS#8 PEM); its certificate is public and kept in <home>/tls/ca.pem. */
  tlsCaKey: 'tls-ca-key',
  /** The gateway certificate's private key, replaced at each issuance. */
  tlsGatewayKey: 'tls-gateway-key',
} as const;

export const DEFAULT_KEYCHAIN_SERVICE = 'Gatehouse';

export function keychainService(env: NodeJS.ProcessEnv = process.env): string {
  return env.GATEHOUSE_KEYCHAIN_SERVICE || DEFAULT_KEYCHAIN_SERVICE;
}
