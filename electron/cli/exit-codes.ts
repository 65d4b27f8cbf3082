import type { ErrorCode, ErrorPayload } from '../../shared/api';
import { GatehouseError } from '../core/errors';

/**
 * How `gatehouse` ends: 0 success, 2 a usage error (the command line itself is wrong: fixing the
 * command fixes it), 1 a runtime failure (Docker, the keychain, the gateway…). `security` keeps
 * its own documented 0/1/2 verdict.
 */
export const EXIT_OK = 0;
export const EXIT_RUNTIME = 1;
export const EXIT_USAGE = 2;

/** Codes that only ever mean "the command line is wrong". */
const USAGE_CODES = new Set<ErrorCode>(['INVALID_ARGUMENT', 'INVALID_REGEX']);

/** Errors of other codes that a command raised from its own arguments (e.g. a value `settings set` was given). */
const fromArguments = new WeakSet<object>();

/** Marks an error as caused by the command line, so it exits 2 whatever its code. */
export function asUsageError<E>(err: E): E {
  if (err instanceof GatehouseError) fromArguments.add(err);
  return err;
}

export function exitCodeForError(err: unknown): number {
  if (err instanceof GatehouseError && (USAGE_CODES.has(err.code) || fromArguments.has(err))) return EXIT_USAGE;
  return EXIT_RUNTIME;
}

/**
 * What to do, for an error raised without its own fix: every error `gatehouse` prints ends with a
 * fix line. The texts match the README's error table.
 */
const GENERAL_FIX: Record<ErrorCode, string> = {
  DOCKER_UNREACHABLE: 'Start Docker (`sudo systemctl start docker`, or Docker Desktop), or fix or unset DOCKER_HOST.',
  DOCKER_PERMISSION: '`sudo usermod -aG docker $USER` and log in again, or use rootless Docker.',
  PORT_IN_USE: 'Stop what uses the port, or choose another: `gatehouse settings set port 4001`.',
  IMAGE_PULL_FAILED: 'Check the image reference, your network, and `docker login` for private registries.',
  CONTAINER_EXITED: 'Read why in its logs: `gatehouse logs --tail 50`.',
  HEALTH_TIMEOUT: 'Read `gatehouse logs`; on a slow machine raise it: `gatehouse settings set startTimeoutSeconds 300`.',
  GATEWAY_UNSAFE: 'Gatehouse stopped it; check the image and `extraEnv` (`gatehouse settings`).',
  KEYCHAIN_UNAVAILABLE: 'Start a Secret Service (gnome-keyring or KWallet) in your session; it needs DBUS_SESSION_BUS_ADDRESS.',
  KEYCHAIN_LOCKED: 'Unlock your login keyring (log in to the desktop, or use Seahorse), then run the command again.',
  NO_KEY: 'Create one with `gatehouse key create` (or `gatehouse start`), or import one: `gatehouse key import --env-file FILE`.',
  SETTINGS_INVALID: 'Correct it with `gatehouse settings set KEY VALUE` or `gatehouse settings unset KEY`.',
  ROTATION_FAILED: 'The old key and container are back; run `gatehouse key rotate` again once the cause is fixed.',
  CANCELLED: 'Nothing more was done; run the command again to finish it.',
  INVALID_ARGUMENT: 'See `gatehouse help` or `gatehouse COMMAND --help` for the usage.',
  INVALID_REGEX: 'Correct the regular expression (JavaScript syntax), or escape its special characters.',
  IMPORT_FAILED: 'Check the file (docker-compose .env syntax); nothing was changed in the keychain or the file.',
  TOKEN_INVALID: 'Create a token with `claude setup-token` and pipe it in: `claude setup-token | gatehouse claude set-token`.',
  CLIPBOARD_UNAVAILABLE: 'Install xclip (X11) or wl-clipboard (Wayland), or use `gatehouse key print`.',
  DATABASE_FAILED: 'Read `gatehouse db status` and `docker logs` of the database container; nothing was deleted.',
  TLS_INVALID: 'Check the certificate and key with `gatehouse tls status`, or use Gatehouse\'s own CA: `gatehouse tls enable`.',
  NOT_FOCUSED: 'Bring the Gatehouse window to the front and click the button again.',
  URL_REFUSED: 'Gatehouse opens only the addresses on its allow-list; copy the address into your browser yourself if you trust it.',
  FORBIDDEN_SENDER: 'Only the app\'s own page may call Gatehouse; reload the app.',
  NOT_FOUND: 'List what exists first (e.g. `gatehouse warnings`), then use one of its ids.',
  DATABASE_OFF: 'Turn the database on with `gatehouse db enable`, then `gatehouse restart`.',
  GATEWAY_REFUSED: 'Check `gatehouse status` and the gateway\'s log: `gatehouse logs --since 5m`.',
  TAKEOVER_FAILED: 'The compose stack runs again as before and nothing was deleted; fix the cause named above and run `gatehouse adopt` again.',
  SWARM_NOT_MANAGER: 'Make this engine a single-node swarm with `gatehouse swarm init`, or point DOCKER_HOST at a manager, or `gatehouse settings set target container`.',
  INTERNAL: 'This is a bug in Gatehouse; please report it with the steps that led here.',
};

export function withFix(err: ErrorPayload): ErrorPayload & { fix: string } {
  return { ...err, fix: err.fix ?? GENERAL_FIX[err.code] };
}
