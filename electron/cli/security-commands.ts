import type { SecurityCheck, SecurityReport } from '../../shared/api';
import { exitCodeFor } from '../core/security/report';
import type { CliCommand } from './command';
import { toErrorPayload } from '../core/errors';
import { printError, printJson, type CliIO } from './output';

const MARK: Record<SecurityCheck['status'], string> = { pass: 'PASS', warn: 'WARN', fail: 'FAIL', skip: 'SKIP' };

/** Which `gatehouse` command carries out a check's fix action. */
const ACTION_COMMAND: Record<NonNullable<SecurityCheck['action']>, string> = {
  'key:create': 'gatehouse key create',
  'key:rotate': 'gatehouse key rotate',
  'stack:restart': 'gatehouse restart',
  'settings:bind-loopback': 'gatehouse settings set bindAddress 127.0.0.1 && gatehouse restart',
  'key:import': 'gatehouse key import --env-file FILE --scrub',
  'claude:set-token': 'gatehouse claude set-token',
  'tls:enable': 'gatehouse tls enable && gatehouse restart',
};

export function formatReport(report: SecurityReport): string {
  const out: string[] = [];
  for (const c of report.checks) {
    out.push(`${MARK[c.status]}  ${c.title}`);
    out.push(`      ${c.finding}`);
    if (c.fix) out.push(`      fix: ${c.fix}`);
    if (c.action) out.push(`      action: ${c.action} (${ACTION_COMMAND[c.action]})`);
  }
  const count = (s: SecurityCheck['status']) => report.checks.filter((c) => c.status === s).length;
  out.push('', `${count('pass')} passed, ${count('warn')} warned, ${count('fail')} failed${count('skip') ? `, ${count('skip')} skipped` : ''} (checked ${report.checkedAt}).`);
  return out.join('\n') + '\n';
}

function print(io: CliIO, report: SecurityReport, json: boolean): void {
  if (json) printJson(io, report);
  else io.stdout.write(formatReport(report));
}

export const SECURITY_COMMANDS: CliCommand[] = [
  {
    path: ['security'],
    usage: 'security [--json]',
    summary: 'Check that the barrier holds; exit 0 all pass, 1 any warning, 2 any failure',
    flags: { json: false },
    async run({ core, io, args }) {
      let report: SecurityReport;
      try {
        report = await (await core()).security.run();
      } catch (err) {
        // Checks that could not run prove nothing: a script gating on this must see a failure
        // (2), not the 1 of a warning that other commands' errors return.
        printError(io, toErrorPayload(err));
        return 2;
      }
      print(io, report, args.flags.has('json'));
      return exitCodeFor(report);
    },
  },
];
