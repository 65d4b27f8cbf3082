import type { DatabaseStatus } from '../../shared/api';
import { GatehouseError } from '../core/errors';
import { flagString } from './args';
import type { CliCommand } from './command';
import { formatRows, printJson } from './output';
import { databaseVolumeName } from '../../shared/stack-names';

/** One line about the database for `gatehouse status` and `gatehouse db status`. */
export function formatDatabaseLine(db: DatabaseStatus): string {
  const conn = db.connected === null ? '' : db.connected ? ', gateway connected' : ', gateway NOT connected';
  return `${db.state} (volume ${db.volume}${conn})${db.detail ? ` — ${db.detail}` : ''}`;
}

function formatDatabase(db: DatabaseStatus): string {
  const rows: [string, string][] = [
    ['State', db.state + (db.detail ? ` — ${db.detail}` : '')],
    ['Image', db.image],
    ['Volume', db.volume],
    ['Container', db.containerId ? db.containerId.slice(0, 12) : '(none)'],
    ['Gateway', db.connected === null ? '(not running)' : db.connected ? 'database connected' : 'database NOT connected'],
  ];
  return formatRows(rows);
}

const OFF_DETAIL = 'The database is off (LiteLLM runs alone). Turn it on with `gatehouse db enable`.';

/** `db status --json`: always an object, with `enabled` saying whether the database is on at all. */
export function databaseJson(db: DatabaseStatus | null): { enabled: boolean } & Partial<DatabaseStatus> {
  return db ? { enabled: true, ...db } : { enabled: false, detail: OFF_DETAIL };
}

export const DB_COMMANDS: CliCommand[] = [
  {
    path: ['db', 'status'],
    usage: 'db status [--json]',
    summary: 'Show the PostgreSQL service: state, health, data volume, and whether the gateway is connected',
    flags: { json: false },
    async run({ core, io, args, signal }) {
      const st = await (await core()).stack.status(signal);
      if (args.flags.has('json')) {
        printJson(io, databaseJson(st.database));
        return 0;
      }
      io.stdout.write(st.database ? formatDatabase(st.database) : `${OFF_DETAIL}\n`);
      return 0;
    },
  },
  {
    path: ['db', 'enable'],
    usage: 'db enable',
    summary: 'Run the seed\'s full stack: PostgreSQL next to LiteLLM (takes effect at the next start)',
    flags: {},
    async run({ core, io }) {
      const s = await (await core()).settings.update({ database: { enabled: true } });
      io.stdout.write(`Database on (image ${s.database.image}, volume ${databaseVolumeName(s)}); run \`gatehouse restart\` to apply.\n`);
      return 0;
    },
  },
  {
    path: ['db', 'disable'],
    usage: 'db disable',
    summary: 'Run LiteLLM alone (the data volume is kept; takes effect at the next start)',
    flags: {},
    async run({ core, io }) {
      await (await core()).settings.update({ database: { enabled: false } });
      io.stdout.write('Database off; its data volume is kept. Run `gatehouse restart` to apply.\n');
      return 0;
    },
  },
  {
    path: ['db', 'adopt'],
    usage: 'db adopt VOLUME',
    positionals: [0, 99],
    summary: 'Use an existing PostgreSQL data volume (the seed\'s) instead of starting empty; nothing in it is changed',
    flags: {},
    async run({ core, io, args, signal }) {
      const volume = args.positionals[0];
      if (!volume || args.positionals.length > 1) {
        throw new GatehouseError('INVALID_ARGUMENT', 'Name exactly one volume to adopt.', 'Usage: gatehouse db adopt VOLUME (list them with `docker volume ls`).');
      }
      const c = await core();
      const plan = await c.stack.runExclusive('db-adopt', (s) => c.database.adopt(volume, s), signal);
      io.stdout.write(`The database now uses the volume ${plan.volumeName}; run \`gatehouse restart\` to start on it.\n`);
      return 0;
    },
  },
  {
    path: ['db', 'remove-data'],
    usage: 'db remove-data --confirm VOLUME',
    summary: 'Delete the database\'s data volume (virtual keys, spend, models): the stack must be stopped',
    flags: { confirm: true },
    async run({ core, io, args, signal }) {
      const confirm = flagString(args, 'confirm');
      if (!confirm) {
        throw new GatehouseError(
          'INVALID_ARGUMENT',
          'Removing the database data needs --confirm with the data volume\'s name.',
          'Run `gatehouse db status` to see the volume, then `gatehouse db remove-data --confirm VOLUME`.',
        );
      }
      const c = await core();
      const r = await c.stack.runExclusive('db-remove-data', (s) => c.database.removeData(confirm, s), signal);
      io.stdout.write(`Removed the data volume ${r.volume}. The next start with the database on begins with an empty database.\n`);
      return 0;
    },
  },
];
