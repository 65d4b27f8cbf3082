import type { TakeoverPlan, TakeoverResult } from '../../shared/takeover';
import { Takeover } from '../core/takeover/takeover';
import type { CliCommand } from './command';
import { formatRows, printJson } from './output';

/** The plan as `gatehouse adopt` prints it (no secret value, only where each secret is now). */
export function formatTakeoverPlan(plan: TakeoverPlan): string {
  const rows: [string, string][] = [
    ['Project', plan.project],
    ['Image', plan.image],
    ['Address', `${plan.fromInterfaces.join(', ')}:${plan.port} → ${plan.bindAddress}:${plan.port}`],
    ['Secrets', plan.secrets.length ? plan.secrets.map((s) => `${s.name}${s.name === 'DATABASE_URL' ? ' (built by Gatehouse from the keychain\'s password; now' : ' (into the keychain; now'} in ${s.places.join(', ')}${s.differs ? '; running value differs, it is taken' : ''})`).join('\n  ') : '(none)'],
    ['Salt key', plan.saltFromMasterKey ? 'the master key becomes the salt key (the database\'s stored credentials stay readable)' : 'as found'],
    ['Environment', Object.keys(plan.extraEnv).length ? Object.entries(plan.extraEnv).map(([k, v]) => `${k}=${v}`).join(' ') : '(none)'],
    ['Mounts', plan.mounts.length ? plan.mounts.map((m) => `${m.source} → ${m.target}${m.readOnly ? ' (read-only)' : ''}`).join('\n  ') : '(none)'],
    ['Claude login', plan.credentialsVolume ? `volume ${plan.credentialsVolume}${plan.claudeLoginPresent ? ' (login present)' : ' (no login in it)'}` : '(none)'],
    ['Database', plan.database ? `${plan.database.image} on volume ${plan.database.volume}` : '(none)'],
    ['Containers', `${plan.containers.join(', ')}: stopped, removed once Gatehouse's stack answers (volumes kept)`],
    ['.env', plan.envFile ? (plan.scrub ? `${plan.envFile}: scrubbed at the end (--scrub)` : `${plan.envFile}: left as it is`) : '(not readable)'],
  ];
  // Continuation lines (one secret or mount each) line up under the values.
  const indent = ' '.repeat(Math.max(...rows.map(([k]) => k.length)) + 2);
  const lines = [formatRows(rows).replace(/\n {2}/g, '\n' + indent)];
  if (plan.exposureLoss) lines.push(`Access: ${plan.exposureLoss}\n`);
  for (const w of plan.warnings) lines.push(`Note: ${w}\n`);
  return lines.join('');
}

function formatResult(r: TakeoverResult): string {
  const lines = [`Took over ${r.plan.project}: Gatehouse's gateway answers on port ${r.plan.port} with the same key.\n`];
  for (const v of r.verified) lines.push(`  ✓ ${v}\n`);
  if (r.removedContainers.length) lines.push(`Removed the compose containers ${r.removedContainers.join(', ')} (their volumes are Gatehouse's now).\n`);
  if (r.scrubbed) lines.push(`Scrubbed the secrets from ${r.plan.envFile}.\n`);
  for (const w of r.warnings) lines.push(`Note: ${w}\n`);
  return lines.join('');
}

export const ADOPT_COMMANDS: CliCommand[] = [
  {
    path: ['adopt'],
    usage: 'adopt [PROJECT] [--scrub] [--keep-exposure] [--yes] [--json]',
    positionals: [0, 1],
    summary: 'Take over a running docker-compose stack of the seed (same key, port, Claude login, mounts and database); without --yes only shows the plan',
    flags: { scrub: false, 'keep-exposure': false, yes: false, json: false },
    async run({ core, io, args, signal }) {
      const c = await core();
      const takeover = new Takeover({ core: c, onStep: args.flags.has('json') ? undefined : (line) => io.stderr.write(`${line}\n`) });
      const project = args.positionals[0];
      const options = { scrub: args.flags.has('scrub'), keepExposure: args.flags.has('keep-exposure') };
      if (!args.flags.has('yes')) {
        const plan = await takeover.plan(project, options, signal);
        if (args.flags.has('json')) printJson(io, { applied: false, plan });
        else io.stdout.write(`${formatTakeoverPlan(plan)}Nothing was changed. Run \`gatehouse adopt${project ? ` ${project}` : ''}${options.scrub ? ' --scrub' : ''}${options.keepExposure ? ' --keep-exposure' : ''} --yes\` to take it over.\n`);
        return 0;
      }
      const result = await takeover.adopt(project, options, signal);
      if (args.flags.has('json')) printJson(io, { applied: true, ...result });
      else io.stdout.write(formatResult(result));
      return 0;
    },
  },
];
