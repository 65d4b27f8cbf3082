import { flagString } from './args';
import type { CliCommand } from './command';
import { printJson } from './output';
import { checkRemovalOptions, removeStack, type RemovalResult } from '../core/stack-removal';
import { SettingsStore } from '../core/settings';

function list(names: string[]): string {
  return names.length ? names.join(', ') : 'none';
}

export function formatRemoval(r: RemovalResult): string {
  const lines = [
    `Removed the stack "${r.stackName}": containers ${list(r.containers)}; network ${r.network ?? 'none'}.`,
  ];
  if (r.services.length || r.secrets.length || r.overlayNetwork) {
    lines.push(`Swarm: services ${list(r.services)}; secrets ${list(r.secrets)}; overlay network ${r.overlayNetwork ?? 'none'}.`);
  }
  if (r.volumesRemoved.length) lines.push(`Deleted the volumes ${list(r.volumesRemoved)}.`);
  if (r.volumesKept.length) lines.push(`Kept the volumes ${list(r.volumesKept)} (delete them too with \`gatehouse remove --volumes --confirm ${r.stackName}\`).`);
  if (r.foreignVolumes.length) lines.push(`Left the adopted volume ${list(r.foreignVolumes)} alone: Gatehouse did not create it.`);
  lines.push('The master key stays in the keychain; `gatehouse start` creates the stack again.');
  return lines.join('\n') + '\n';
}

export const REMOVE_COMMAND: CliCommand = {
  path: ['remove'],
  usage: 'remove [--volumes --confirm STACK] [--json]',
  summary: 'Stop and remove the stack\'s containers and network (in swarm mode its services, secrets and overlay network); its volumes are kept unless --volumes --confirm names the stack',
  flags: { volumes: false, confirm: true, json: false },
  async run({ core, io, args, signal, env }) {
    const options = { volumes: args.flags.has('volumes'), confirm: flagString(args, 'confirm') };
    // A wrong confirmation is refused before the keychain or Docker is touched.
    checkRemovalOptions((await new SettingsStore({ env }).get()).stackName, options);
    const c = await core();
    const r = await removeStack({ engine: c.engine, queue: c.queue, gateway: c.gateway, database: c.database }, options, signal);
    if (args.flags.has('json')) printJson(io, r);
    else io.stdout.write(formatRemoval(r));
    return 0;
  },
};
