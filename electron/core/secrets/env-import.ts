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
import { rewriteFileInPlace, rewriteFileKeepingMode } from '../atomic-file';

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

/** Whether a URL (postgresql://user:password@…) carries one of the secrets, raw or percent-encoded. */
function urlEmbedsSecret(url: string, secrets: string[]): boolean {
  let password = '';
  try {
    password = decodeURIComponent(new URL(url).password);
  } catch {
    // not a URL Node can parse: the plain text search below still applies
  }
  return secrets.some((s) => s.length >= 4 && (s === password || url.includes(s) || url.includes(encodeURIComponent(s))));
}

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
  // The file the secrets are really in: a .env that is a symbolic link (into a dotfiles folder,
  // say) is read and scrubbed at its target, never replaced by a copy that leaves the target as it was.
  let real: string;
  try {
    real = await fs.realpath(abs);
    text = await fs.readFile(real, 'utf8');
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    throw importFailed(
      `Could not read ${abs} (${code ?? (err as Error).message}).`,
      code === 'ENOENT' ? 'Check the path of the .env file.' : 'Check that you may read the file.',
      err,
    );
  }
  let parsed: ReturnType<typeof parseEnvFile>;
  try {
    parsed = parseEnvFile(text);
  } catch (err) {
    if (isGatehouseError(err)) throw importFailed(`${abs}: ${err.message}`, err.fix ?? 'Fix the file and import again.');
    throw err;
  }
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
    await scrubEnvSecrets(abs, real, parsed, [...values.values()], [...values.keys()], warnings, 'gatehouse key import --scrub');
    scrubbed = true;
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

/**
 * Removes the lines of `names` from a .env whose values are now in the keychain, and DATABASE_URL
 * when it embeds one of `secrets` (the seed repeats the database password there; Gatehouse builds
 * that URL from the keychain at launch). `real` is the file behind `abs` (a symbolic link is
 * scrubbed at its target); a file with several hard links is rewritten in place. Warnings are
 * added to `warnings`; a failure is IMPORT_FAILED saying the file still holds the secrets.
 */
export async function scrubEnvSecrets(abs: string, real: string, parsed: ReturnType<typeof parseEnvFile>, secrets: string[], moved: string[], warnings: string[], command: string): Promise<void> {
  const names: string[] = moved.filter((n) => parsed.entries.some((e) => e.name === n));
  const url = envValue(parsed, 'DATABASE_URL');
  if (url && urlEmbedsSecret(url, secrets)) {
    names.push('DATABASE_URL');
    warnings.push('DATABASE_URL held the database password, so it was removed too; Gatehouse builds it from the keychain when it starts the database.');
  }
  const next = scrubEnvText(parsed, names, (name) =>
    name === 'DATABASE_URL'
      ? `removed by Gatehouse (${command}): it held the database password, now in the OS keychain`
      : `moved to the OS keychain by Gatehouse (${command})`,
  );
  try {
    const st = await fs.stat(real);
    if (real !== abs) warnings.push(`${abs} is a symbolic link; the file it points to, ${real}, was scrubbed and the link kept.`);
    if (st.nlink > 1) {
      // A rename would give this name a new file and leave the secrets in the other names of
      // the old one: write the same file in place instead, so every name shows the scrub.
      await rewriteFileInPlace(real, next);
      warnings.push(`${real} has ${st.nlink} hard links (names of one file); all of them now show the scrubbed text, but copies made earlier (backups, other checkouts) still hold the secrets: rotate the key.`);
    } else {
      await rewriteFileKeepingMode(real, next);
    }
  } catch (err) {
    throw importFailed(
      `The secrets were imported into the keychain, but ${real} could not be rewritten (${(err as NodeJS.ErrnoException).code ?? (err as Error).message}); it still holds them in plaintext.`,
      'Make the file and its folder writable and run the import again with --scrub, or delete those lines by hand.',
      err,
    );
  }
}
