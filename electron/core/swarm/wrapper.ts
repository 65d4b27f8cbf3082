import { GatehouseError } from '../errors';
import { PG_DATABASE, PG_PORT, PG_USER } from '../services/database-plan';

/** The secrets the gateway gets as Swarm secrets: each a file /run/secrets/<NAME> the wrapper exports as NAME. */
export const SWARM_SECRET_NAMES = ['LITELLM_MASTER_KEY', 'LITELLM_SALT_KEY', 'CLAUDE_CODE_OAUTH_TOKEN'] as const;

/**
 * The database password's file name in /run/secrets, in the database's tasks (POSTGRES_PASSWORD_FILE
 * points at it) and in the gateway's (the wrapper builds DATABASE_URL from it).
 */
export const DB_PASSWORD_FILE = 'POSTGRES_PASSWORD';

/** Characters a URL's userinfo may carry as they are (RFC 3986 "unreserved"); everything else is %XX. */
const UNRESERVED = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789._~-';

/**
 * Builds DATABASE_URL inside the gateway's task from the password's secret file, so the password is
 * in no service spec: postgresql://$GATEHOUSE_DATABASE_USER:<password, percent-encoded>@$GATEHOUSE_DATABASE_ADDRESS.
 * POSIX sh only (dash, busybox ash, bash): the password is taken apart one character at a time
 * with `${p#?}`; an unreserved character is kept, any other is written as %XX by the shell's
 * printf builtin (`"'c"` is the character's code). Byte-wise shells split a multibyte character
 * into bytes, which is why a password is checked to be printable ASCII before it becomes a secret
 * (checkWrapperPassword). Gatehouse generates 64 hex digits (nothing to encode); an imported one
 * may hold any printable character.
 */
const DATABASE_URL_SCRIPT = [
  `if [ -f "/run/secrets/${DB_PASSWORD_FILE}" ]; then`,
  ` p="$(cat "/run/secrets/${DB_PASSWORD_FILE}")"; e=;`,
  ` while [ -n "$p" ]; do r="\${p#?}"; c="\${p%"$r"}"; p="$r";`,
  `  case "$c" in [${UNRESERVED}]) e="$e$c" ;; *) e="$e$(printf '%%%02X' "'$c")" ;; esac;`,
  ' done;',
  ' export DATABASE_URL="postgresql://$GATEHOUSE_DATABASE_USER:$e@$GATEHOUSE_DATABASE_ADDRESS";',
  ' unset p r c e;',
  'fi;',
  'unset GATEHOUSE_DATABASE_USER GATEHOUSE_DATABASE_ADDRESS;',
].join('');

/**
 * The gateway's command in swarm mode: exports each secret file present into the environment the
 * image's entrypoint expects, builds DATABASE_URL when the database password is mounted, then
 * execs the image's own entrypoint and command (the arguments). Nothing secret is in it: it names
 * files, not values.
 */
export const WRAPPER_SCRIPT = `for n in ${SWARM_SECRET_NAMES.join(' ')}; do if [ -f "/run/secrets/$n" ]; then export "$n=$(cat "/run/secrets/$n")"; fi; done; ${DATABASE_URL_SCRIPT} exec "$@"`;

/**
 * The gateway's non-secret environment for the database service `dbServiceName` (what the seed's
 * compose file sets besides DATABASE_URL, and the URL's parts the wrapper needs).
 */
export function databaseWrapperEnv(dbServiceName: string): Record<string, string> {
  return {
    STORE_MODEL_IN_DB: 'True',
    GATEHOUSE_DATABASE_USER: PG_USER,
    GATEHOUSE_DATABASE_ADDRESS: `${dbServiceName}:${PG_PORT}/${PG_DATABASE}`,
  };
}

/** The wrapper encodes printable ASCII exactly (see DATABASE_URL_SCRIPT); other passwords are refused before anything is made. */
export function checkWrapperPassword(password: string): void {
  if (/^[\x20-\x7e]+$/.test(password)) return;
  throw new GatehouseError(
    'SETTINGS_INVALID',
    'The database password in the keychain holds characters other than printable ASCII, which the swarm gateway\'s wrapper cannot put into DATABASE_URL exactly.',
    'Run the stack as containers (`gatehouse settings set target container`), or start the database with a password of printable ASCII characters.',
  );
}
