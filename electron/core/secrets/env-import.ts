import { promises as fs } from 'node:fs';
import type { ImportedVariable, KeyImportResult } from '../../../shared/api';
import path from 'node:path';
import { GatehouseError, isGatehouseError } from '../errors';
import type { KeyManager } from './key-manager';
import { ACCOUNTS, type SecretStore } from './secret-store';
import { fingerprint } from './master-key';
import { judgeKeyStrength } from './key-strength';
import { validateClaudeToken } from './claude-token';
import { envValue, parseEnvFile, scrubEnvText } from './env-file';
import { rewriteFileKeepingMode } from '../atomic-file';

/** The .env variables Gatehouse moves into the keychain, and where each goes. */
export const IMPORTED_VARIABLES = {
  LITELLM_MASTER_KEY: ACCOUNTS.masterKey,
  LITELLM_SALT_KEY: ACCOUNTS.saltKey,
  CLAUDE_CODE_OAUTH_TOKEN: ACCOUNTS.claudeToken,
  POSTGRES_PASSWORD: ACCOUNTS.databasePassword,
} as const satisfies Record<ImportedVariable, string>;

type ImportedName = ImportedVariable;

/** The contract's type (shared/api.ts), so the CLI's --json and the app's IPC answer alike. */
export type ImportResult = KeyImportResult;

function importFailed(message: string, fix: string, cause?: unknown): GatehouseError {
  return new GatehouseError('IMPORT_FAILED', message, fix, cause ? { cause } : undefined);
}

/**
 * Moves the secrets of a docker-compose .env into the keychain: every value is written, then all
 * are read back and compared before anything else happens; only then, with --scrub, are their
 * lines removed from the file (atomic rewrite keeping every other line and the file's mode). A
 * failure before the scrub leaves the file untouched, so nothing can be lost.
 */
export async function importEnvFile(
  deps: { secrets: SecretStore; keys: KeyManager },
  file: string,
  options: { scrub: boolean },
): Promise<ImportResult> {
  const abs = path.resolve(file);
  let text: string;
  try {
    text = await fs.readFile(abs, 'utf8');
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    throw importFailed(
      `Could not read ${abs} (${code ?? (err as Error).message}).`,
      code === 'ENOENT' ? 'Check the path of the .env file.' : 'Check that you may read the file.',
      err,
    );
  }
  const parsed = parseEnvFile(text);
  const masterKey = envValue(parsed, 'LITELLM_MASTER_KEY');
  if (!masterKey) {
    throw importFailed(`${abs} has no LITELLM_MASTER_KEY value.`, 'Point --env-file at the .env your docker-compose stack uses (the one that sets LITELLM_MASTER_KEY).');
  }
  if (!masterKey.startsWith('sk-')) {
    throw importFailed(
      `The LITELLM_MASTER_KEY in ${abs} does not start with "sk-", which LiteLLM requires, so it cannot be used.`,
      'Let Gatehouse create a key instead (`gatehouse key create`) and give it to your clients.',
    );
  }
  if ((await deps.secrets.get(ACCOUNTS.pendingMasterKey)) !== null) {
    throw importFailed('A key rotation is still pending, so the master key cannot be replaced now.', 'Run any gatehouse command (it finishes or rolls back the rotation) and import again.');
  }

  const values = new Map<ImportedName, string>();
  values.set('LITELLM_MASTER_KEY', masterKey);
  const token = envValue(parsed, 'CLAUDE_CODE_OAUTH_TOKEN');
  if (token) {
    try {
      values.set('CLAUDE_CODE_OAUTH_TOKEN', validateClaudeToken(token));
    } catch (err) {
      if (!isGatehouseError(err)) throw err;
      throw importFailed(`The CLAUDE_CODE_OAUTH_TOKEN in ${abs} is not usable: ${err.message}`, 'Fix or remove that line and import again; nothing was changed.');
    }
  }
  const pg = envValue(parsed, 'POSTGRES_PASSWORD');
  if (pg) values.set('POSTGRES_PASSWORD', pg);
  const warnings: string[] = [];
  const salt = envValue(parsed, 'LITELLM_SALT_KEY');
  let saltFromMasterKey = false;
  if (salt) {
    values.set('LITELLM_SALT_KEY', salt);
  } else if (envValue(parsed, 'DATABASE_URL')) {
    // LiteLLM encrypted this database's stored credentials with the master key; keeping that
    // value as the salt key keeps them readable once the master key is rotated.
    values.set('LITELLM_SALT_KEY', masterKey);
    saltFromMasterKey = true;
  }
  if (values.has('LITELLM_SALT_KEY')) {
    const existingSalt = await deps.secrets.get(ACCOUNTS.saltKey);
    if (existingSalt && existingSalt !== values.get('LITELLM_SALT_KEY')) {
      warnings.push('The salt key already in the keychain was replaced by the imported deployment\'s; credentials stored by a database created with the previous one are no longer readable.');
    }
  }

  const previous = await deps.keys.get();
  for (const [name, value] of values) await deps.secrets.set(IMPORTED_VARIABLES[name], value);
  for (const [name, value] of values) {
    if ((await deps.secrets.get(IMPORTED_VARIABLES[name])) !== value) {
      throw importFailed(
        `${name} was written to the keychain but did not read back the same, so ${abs} was left untouched.`,
        'Unlock your login keyring and import again.',
      );
    }
  }
  await deps.keys.recordKey(masterKey, 'imported');

  const strength = judgeKeyStrength(masterKey);
  if (!strength.strong) {
    warnings.unshift(`The imported master key is weak: ${strength.problems.join('; ')}. Rotate it now with \`gatehouse key rotate\` and give clients the new key.`);
  }
  if (previous && previous !== masterKey) {
    warnings.push(`The previous master key (${fingerprint(previous)}) was replaced; a running gateway keeps using it until it is restarted.`);
  }

  let scrubbed = false;
  if (options.scrub) {
    const names = [...values.keys()].filter((n) => parsed.entries.some((e) => e.name === n));
    const next = scrubEnvText(parsed, names, () => 'moved to the OS keychain by Gatehouse (gatehouse key import --scrub)');
    try {
      await rewriteFileKeepingMode(abs, next);
      scrubbed = true;
    } catch (err) {
      throw importFailed(
        `The secrets were imported into the keychain, but ${abs} could not be rewritten (${(err as NodeJS.ErrnoException).code ?? (err as Error).message}); it still holds them in plaintext.`,
        'Make the file and its folder writable and run the import again with --scrub, or delete those lines by hand.',
        err,
      );
    }
  }
  return {
    file: abs,
    imported: [...values.keys()].filter((n) => !(n === 'LITELLM_SALT_KEY' && saltFromMasterKey)),
    masterKeyFingerprint: fingerprint(masterKey),
    previousFingerprint: previous ? fingerprint(previous) : null,
    saltFromMasterKey,
    weak: !strength.strong,
    warnings,
    scrubbed,
  };
}
