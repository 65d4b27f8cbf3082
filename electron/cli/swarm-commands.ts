import type { SwarmMembership } from '../core/engine/types';
import { initSingleNodeSwarm, swarmEngine } from '../core/swarm/membership';
import { flagString } from './args';
import type { CliCommand } from './command';
import { printJson } from './output';

function membershipJson(m: SwarmMembership, target: string): Record<string, unknown> {
  return { state: m.localNodeState, manager: m.controlAvailable, nodeId: m.nodeId, nodes: m.nodes, managers: m.managers, target };
}

function formatMembership(m: SwarmMembership, target: string): string {
  const rows: [string, string][] = [
    ['Swarm', m.localNodeState],
    ['Manager', m.controlAvailable ? 'yes (Swarm.ControlAvailable)' : 'no'],
    ['Nodes', `${m.nodes} (${m.managers} manager${m.managers === 1 ? '' : 's'})`],
    ['Target', target + (target === 'swarm' && !m.controlAvailable ? ' — start needs a manager: `gatehouse swarm init`' : '')],
  ];
  const w = Math.max(...rows.map(([k]) => k.length));
  return rows.map(([k, v]) => `${(k + ':').padEnd(w + 1)} ${v}`).join('\n') + '\n';
}

/** `gatehouse swarm init|status`: the engine's Swarm membership, which settings.target "swarm" needs. */
export const SWARM_COMMANDS: CliCommand[] = [
  {
    path: ['swarm', 'init'],
    usage: 'swarm init [--advertise-addr ADDR] [--json]',
    summary: 'Make this Docker engine a single-node swarm (its manager), for `target` "swarm"; an engine already managing one is left as it is',
    flags: { 'advertise-addr': true, json: false },
    async run({ core, io, args, signal }) {
      const c = await core();
      const r = await initSingleNodeSwarm(c.engine, flagString(args, 'advertise-addr') ?? '127.0.0.1', { signal });
      const target = (await c.settings.get()).target;
      if (args.flags.has('json')) {
        printJson(io, { created: r.created, ...membershipJson(r.membership, target) });
        return 0;
      }
      io.stdout.write(r.created ? 'This engine is now a single-node swarm and its manager.\n' : 'This engine already manages a swarm; nothing changed.\n');
      if (target !== 'swarm') io.stdout.write('The gateway still runs as a container: `gatehouse settings set target swarm` to run it as a Swarm service.\n');
      return 0;
    },
  },
  {
    path: ['swarm', 'status'],
    usage: 'swarm status [--json]',
    summary: 'Show whether the Docker engine is in a swarm and a manager, and how many nodes it has',
    flags: { json: false },
    async run({ core, io, args, signal }) {
      const c = await core();
      const m = await swarmEngine(c.engine).swarmMembership({ signal });
      const target = (await c.settings.get()).target;
      if (args.flags.has('json')) printJson(io, membershipJson(m, target));
      else io.stdout.write(formatMembership(m, target));
      return 0;
    },
  },
];
