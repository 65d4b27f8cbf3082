import type { StackStatus } from '../../shared/api';
import type { Gatehouse } from '../core/gatehouse';
import type { StartResult } from '../core/stack/stack-controller';
import type { CliCommand } from './command';
import { formatDatabaseLine } from './db-commands';
import { printJson, ProgressReporter, type CliIO } from './output';

function formatBytes(n: number): string {
  if (n >= 1 << 30) return `${(n / (1 << 30)).toFixed(1)} GB`;
  if (n >= 1 << 20) return `${(n / (1 << 20)).toFixed(1)} MB`;
  if (n >= 1 << 10) return `${(n / (1 << 10)).toFixed(0)} kB`;
  return `${n} B`;
}

export function formatUptime(ms: number): string {
  const s = Math.floor(ms / 1000);
  const d = Math.floor(s / 86400);
  const h = Math.floor((s % 86400) / 3600);
  const m = Math.floor((s % 3600) / 60);
  if (d) return `${d}d ${h}h ${m}m`;
  if (h) return `${h}h ${m}m`;
  if (m) return `${m}m ${s % 60}s`;
  return `${s}s`;
}

/** The human form of `gatehouse status`. */
export function formatStatus(st: StackStatus): string {
  const rows: [string, string][] = [
    ['State', st.state + (st.detail ? ` — ${st.detail}` : '')],
    ['Stack', st.stackName],
    ['Image', st.image],
    ['Digest', st.imageDigest ?? '(none: built locally or not pulled yet)'],
    ['URL', st.url],
    ['Bound to', `${st.bindAddress}:${st.port}`],
    ['Container', st.containerId ? st.containerId.slice(0, 12) : '(none)'],
    ['Uptime', st.uptimeMs === null ? '-' : formatUptime(st.uptimeMs)],
    ['Key', st.keyFingerprint ?? '(no container)'],
  ];
  if (st.exitCode !== null && st.state !== 'healthy') rows.push(['Exit code', String(st.exitCode)]);
  if (st.replicas) rows.push(['Replicas', `${st.replicas.running}/${st.replicas.desired} running` + (st.tasks?.length ? ` (${st.tasks.map((t) => `${t.id.slice(0, 12)} ${t.state} on ${t.node?.slice(0, 12) ?? '?'}`).join(', ')})` : '')]);
  if (st.database) rows.push(['Database', formatDatabaseLine(st.database)]);
  const w = Math.max(...rows.map(([k]) => k.length));
  return rows.map(([k, v]) => `${(k + ':').padEnd(w + 1)} ${v}`).join('\n') + '\n';
}

/** Shows pull progress and state changes on stderr while an operation runs; returns the unsubscribe. */
function follow(core: Gatehouse, io: CliIO): () => void {
  const progress = new ProgressReporter(io);
  let lastLine = '';
  const offPull = core.events.on('pull:progress', (p) => {
    const detail = p.totalBytes ? `${formatBytes(p.currentBytes)} / ${formatBytes(p.totalBytes)}` : p.status;
    progress.update(`Pulling ${p.image}`, p.percent, detail);
  });
  const offStatus = core.events.on('stack:status', (st) => {
    if (st.state === 'pulling') return; // the bar says it
    const line = st.detail ?? st.state;
    if (line === lastLine) return;
    lastLine = line;
    if (st.waiting) progress.live(line, `waiting|${st.waiting.phase}`);
    else progress.line(line);
  });
  return () => {
    offPull();
    offStatus();
    progress.done();
  };
}

export function startMessage(r: StartResult): string {
  switch (r.outcome) {
    case 'already-running':
      return `The gateway is already running and healthy at ${r.status.url}; nothing changed.\n`;
    case 'recreated':
      return `Gateway recreated with the current settings; healthy at ${r.status.url}\n`;
    default:
      return `Gateway healthy at ${r.status.url}\n`;
  }
}

/** `start` and the second half of `restart`: progress on stderr while it runs, the URL at the end. */
async function startFollowed(c: Gatehouse, io: CliIO, signal: AbortSignal): Promise<number> {
  const off = follow(c, io);
  let r: StartResult;
  try {
    r = await c.stack.startWithOutcome(signal);
  } finally {
    // Progress stops (the bar line is closed) before the result or the error is printed.
    off();
  }
  io.stdout.write(startMessage(r));
  return 0;
}

export const STACK_COMMANDS: CliCommand[] = [
  {
    path: ['start'],
    usage: 'start',
    summary: 'Start the gateway (creating the key, pulling the image and the stack as needed); prints its URL',
    flags: {},
    async run({ core, io, signal }) {
      return startFollowed(await core(), io, signal);
    },
  },
  {
    path: ['stop'],
    usage: 'stop',
    summary: 'Stop the gateway gracefully (the Claude credentials volume is kept)',
    flags: {},
    async run({ core, io, signal }) {
      const c = await core();
      const before = await c.stack.status(signal);
      const st = await c.stack.stop(signal);
      // uptimeMs is set only while the container runs.
      io.stdout.write(!before.containerId ? 'No gateway to stop.\n' : before.uptimeMs === null ? 'The gateway was not running; nothing to stop.\n' : 'Gateway stopped.\n');
      return st.state === 'stopped' || st.state === 'absent' ? 0 : 1;
    },
  },
  {
    path: ['restart'],
    usage: 'restart',
    summary: 'Stop the gateway, then start it with the current settings and key',
    flags: {},
    async run({ core, io, signal }) {
      const c = await core();
      await c.stack.stop(signal);
      return startFollowed(c, io, signal);
    },
  },
  {
    path: ['status'],
    usage: 'status [--json]',
    summary: 'Show the gateway state, image and digest, URL, container, uptime and key fingerprint',
    flags: { json: false },
    async run({ core, io, args, signal }) {
      const st = await (await core()).stack.status(signal);
      if (args.flags.has('json')) printJson(io, st);
      else io.stdout.write(formatStatus(st));
      return 0;
    },
  },
];
