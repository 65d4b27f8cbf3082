import type { ClaudeStatus, KeyInfo } from '../../shared/api';
import { GatehouseError } from '../core/errors';
import { fingerprint } from '../core/secrets/master-key';
import { secretHash } from '../core/secrets/clipboard';
import { SystemClipboard } from '../core/secrets/clipboard-system';
import { scheduleDetachedClear } from '../core/secrets/clipboard-clear-helper';
import { importEnvFile } from '../core/secrets/env-import';
import { flagString } from './args';
import type { CliCommand } from './command';
import { formatRows, printJson, ProgressReporter } from './output';
import { readSecret } from './secret-input';

/** `gatehouse key …` and `gatehouse claude …`: the master key's life and the Claude login. */

export function formatKeyInfo(info: KeyInfo): string {
  if (!info.exists) return `No master key yet.${info.pendingRotation ? ' (A rotation is pending.)' : ''}\nCreate one with \`gatehouse key create\`.\n`;
  const rows: [string, string][] = [
    ['Fingerprint', info.fingerprint ?? '-'],
    ['Created', info.createdAt ?? '(unknown: created or imported outside this Gatehouse)'],
    ['Rotated', info.rotatedAt ?? 'never'],
    ['Age', formatAge(info.ageDays)],
  ];
  if (info.pendingRotation) rows.push(['Pending', 'a rotation was interrupted; the next command recovers it']);
  return formatRows(rows);
}

/** The key's age in whole days, said as a person would ("less than a day", "1 day", "12 days"). */
export function formatAge(days: number | null): string {
  if (days === null) return 'unknown';
  if (days < 1) return 'less than a day';
  return days === 1 ? '1 day' : `${days} days`;
}

export function formatClaude(st: ClaudeStatus): string {
  const login = st.volumeHasLogin === null ? 'unknown (Docker or the gateway image is not available)' : st.volumeHasLogin ? 'yes' : 'no';
  return formatRows([
    ['Token in keychain', st.tokenStored ? 'yes (injected as CLAUDE_CODE_OAUTH_TOKEN at the next start)' : 'no'],
    ['Credentials volume', st.volume],
    ['Login in volume', login],
  ]);
}

const json = { json: false } as const;

export const KEY_COMMANDS: CliCommand[] = [
  {
    path: ['key', 'info'],
    usage: 'key info [--json]',
    summary: 'Show the master key fingerprint, age and rotation time (never the key)',
    flags: json,
    async run({ core, io, args }) {
      const info = await (await core()).keys.info();
      if (args.flags.has('json')) printJson(io, info);
      else io.stdout.write(formatKeyInfo(info));
      return 0;
    },
  },
  {
    path: ['key', 'create'],
    usage: 'key create',
    summary: 'Create the master key in the keychain if none exists',
    flags: {},
    async run({ core, io }) {
      const c = await core();
      const existed = (await c.keys.get()) !== null;
      await c.keys.ensure();
      const info = await c.keys.info();
      io.stderr.write(existed ? 'A master key already exists; it was left unchanged.\n' : 'Created a new master key in the keychain.\n');
      io.stdout.write(formatKeyInfo(info));
      return 0;
    },
  },
  {
    path: ['key', 'print'],
    usage: 'key print',
    summary: 'Write the master key to stdout, for scripts: export OPENAI_API_KEY=$(gatehouse key print)',
    flags: {},
    async run({ core, io }) {
      const key = await (await core()).keys.require();
      if (io.stdout.isTTY) io.stderr.write('(Printing the key on a terminal leaves it in the scroll-back; prefer `gatehouse key copy`.)\n');
      io.stdout.write(key + '\n');
      return 0;
    },
  },
  {
    path: ['key', 'copy'],
    usage: 'key copy',
    summary: 'Copy the master key to the clipboard (marked secret); cleared after clipboardClearSeconds',
    flags: {},
    async run({ core, io }) {
      const c = await core();
      const key = await c.keys.require();
      const settings = await c.settings.get();
      const clipboard = new SystemClipboard(c.env);
      const { concealed } = await clipboard.writeSecret(key);
      // This process exits now; a detached helper holds the countdown (given the key's hash, not the key).
      const state = await scheduleDetachedClear({ hash: secretHash(key), clearSeconds: settings.clipboardClearSeconds, home: c.home, env: c.env });
      io.stdout.write(`Copied the master key (${fingerprint(key)}) to the clipboard via ${clipboard.name}.\n`);
      io.stdout.write(`It is cleared in ${state.secondsLeft} s (at ${state.clearsAt}) if the clipboard still holds it.\n`);
      if (!concealed) io.stderr.write('Note: this clipboard tool cannot mark the key as a secret, so a clipboard manager may record it until it is cleared.\n');
      return 0;
    },
  },
  {
    path: ['key', 'rotate'],
    usage: 'key rotate [--json]',
    summary: 'Replace the master key; a running gateway is recreated with the new one',
    flags: json,
    async run({ core, io, args }) {
      const c = await core();
      // The verify step waits on the new gateway: its line counts the seconds, as `start` does.
      const progress = new ProgressReporter(io);
      const off = c.events.on('rotation:progress', (p) =>
        p.step === 'verify' ? progress.counting(`rotation|${p.step}`, (s) => `[${p.step}] ${p.message} — ${s} s`) : progress.line(`[${p.step}] ${p.message}`),
      );
      try {
        const r = await c.rotation.rotate();
        if (args.flags.has('json')) printJson(io, r);
        else {
          io.stdout.write(`Rotated the master key: ${r.previousFingerprint} → ${r.fingerprint} at ${r.rotatedAt}.\n`);
          io.stdout.write(r.gatewayRecreated ? 'The gateway was recreated with the new key; the old key is refused.\n' : 'The gateway was not running; it uses the new key at its next start.\n');
          io.stdout.write('Give your clients the new key: `gatehouse key copy` or `gatehouse key print`.\n');
        }
        return 0;
      } finally {
        off();
        progress.done();
      }
    },
  },
  {
    path: ['key', 'import'],
    usage: 'key import --env-file PATH [--scrub] [--json]',
    positionals: [0, 1],
    summary: 'Move LITELLM_MASTER_KEY (and CLAUDE_CODE_OAUTH_TOKEN, …) from a docker-compose .env into the keychain',
    flags: { 'env-file': true, scrub: false, json: false },
    async run({ core, io, args }) {
      // The path may also come as a positional: Node 20 itself looks for `--env-file` anywhere in
      // argv and exits with "node: PATH: not found" before Gatehouse runs when the file is missing.
      const file = flagString(args, 'env-file') ?? args.positionals[0];
      if (!file) throw new GatehouseError('INVALID_ARGUMENT', 'key import needs --env-file PATH.', 'Example: gatehouse key import --env-file ./litellm/.env --scrub');
      const c = await core();
      const r = await importEnvFile({ secrets: c.secrets, keys: c.keys }, file, { scrub: args.flags.has('scrub') });
      for (const w of r.warnings) io.stderr.write(`warning: ${w}\n`);
      if (args.flags.has('json')) {
        printJson(io, r);
        return 0;
      }
      io.stdout.write(`Imported ${r.imported.join(', ')} from ${r.file} into the keychain (master key ${r.masterKeyFingerprint}).\n`);
      if (r.saltFromMasterKey) io.stdout.write('LITELLM_SALT_KEY was set to the imported master key, so credentials in the existing database stay readable after a rotation.\n');
      io.stdout.write(r.scrubbed ? `Removed the plaintext values from ${r.file}.\n` : `${r.file} still holds them in plaintext; run again with --scrub to remove them.\n`);
      return 0;
    },
  },
  {
    path: ['claude', 'set-token'],
    usage: 'claude set-token < token',
    positionals: [0, 99],
    summary: 'Store a Claude Code OAuth token (sk-ant-oat01-…) read from stdin, never argv',
    flags: { json: false },
    async run({ core, io, args, signal }) {
      if (args.positionals.length) {
        throw new GatehouseError(
          'INVALID_ARGUMENT',
          'The token must not be given on the command line (it would be kept in shell history and visible to other processes).',
          'Pipe it in: `claude setup-token | gatehouse claude set-token`, or run `gatehouse claude set-token` and paste it at the prompt.',
        );
      }
      const input = await readSecret(io, 'Paste the Claude token (sk-ant-oat01-…), then Enter (nothing is shown): ', signal);
      const st = await (await core()).claude.setToken(input);
      if (args.flags.has('json')) printJson(io, st);
      else io.stdout.write(`Stored the Claude token in the keychain; the gateway gets it at its next start (gatehouse restart).\n${formatClaude(st)}`);
      return 0;
    },
  },
  {
    path: ['claude', 'status'],
    usage: 'claude status [--json]',
    summary: 'Whether a Claude token is stored and whether the credentials volume holds a login',
    flags: json,
    async run({ core, io, args }) {
      const st = await (await core()).claude.status();
      if (args.flags.has('json')) printJson(io, st);
      else io.stdout.write(formatClaude(st));
      return 0;
    },
  },
];
