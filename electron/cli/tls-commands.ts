import type { TlsCertificateSummary, TlsStatus } from '../../shared/api';
import { GatehouseError } from '../core/errors';
import { flagString } from './args';
import type { CliCommand } from './command';
import { asUsageError } from './exit-codes';
import { printJson, type CliIO } from './output';

/** `gatehouse tls …`: HTTPS for the gateway (core/tls/gateway-tls.ts does the work). */

function certLines(label: string, c: TlsCertificateSummary): string[] {
  return [
    `${label}:`,
    `  subject:  ${c.subject}`,
    `  issuer:   ${c.issuer}`,
    ...(c.names.length ? [`  names:    ${c.names.join(', ')}`] : []),
    `  valid:    ${c.notBefore.slice(0, 10)} to ${c.notAfter.slice(0, 10)} (${c.daysLeft < 0 ? 'expired' : `${c.daysLeft} days left`})`,
    `  sha256:   ${c.sha256}`,
  ];
}

export function formatTlsStatus(st: TlsStatus): string {
  const mode = { off: 'off (plain HTTP)', local: "on, certificate from Gatehouse's local CA", custom: 'on, your own certificate' }[st.mode];
  const out = [`TLS: ${mode}`];
  if (st.mode !== 'off') out.push(`Names clients may use: ${st.wantedNames.join(', ')}`);
  if (st.certificate) out.push(...certLines('Gateway certificate', st.certificate));
  if (st.ca) out.push(...certLines(`Local CA (${st.caFile}; \`gatehouse tls ca\` prints it)`, st.ca));
  if (st.problem) out.push(`Note: ${st.problem}`);
  return out.join('\n') + '\n';
}

function print(io: CliIO, st: TlsStatus, json: boolean, after?: string): void {
  if (json) return printJson(io, st);
  io.stdout.write(formatTlsStatus(st));
  if (after) io.stdout.write(after + '\n');
}

const APPLY = 'Run `gatehouse restart` to apply (a running gateway is recreated with it).';

export const TLS_COMMANDS: CliCommand[] = [
  {
    path: ['tls', 'enable'],
    usage: 'tls enable [--cert PATH --key PATH] [--json]',
    summary: "HTTPS for the gateway: a certificate from Gatehouse's own CA, or your own (checked: matching pair, valid, holds the host)",
    flags: { cert: true, key: true, json: false },
    async run({ core, io, args }) {
      const cert = flagString(args, 'cert');
      const key = flagString(args, 'key');
      if ((cert === undefined) !== (key === undefined)) {
        throw asUsageError(new GatehouseError('INVALID_ARGUMENT', 'A certificate of your own needs both --cert PATH and --key PATH.', 'Give both, or neither for a certificate from Gatehouse\'s own CA.'));
      }
      const tls = (await core()).tls;
      const st = cert && key ? await tls.enableCustom(cert, key) : await tls.enableLocal();
      const trust = st.mode === 'local' ? `Clients trust the CA: \`gatehouse tls ca > gatehouse-ca.pem\`, then e.g. \`curl --cacert gatehouse-ca.pem …\`. ${APPLY}` : APPLY;
      print(io, st, args.flags.has('json'), trust);
      return 0;
    },
  },
  {
    path: ['tls', 'disable'],
    usage: 'tls disable [--json]',
    summary: 'Plain HTTP again from the next start (the local CA is kept)',
    flags: { json: false },
    async run({ core, io, args }) {
      print(io, await (await core()).tls.disable(), args.flags.has('json'), APPLY);
      return 0;
    },
  },
  {
    path: ['tls', 'status'],
    usage: 'tls status [--json]',
    summary: 'TLS mode, the certificate\'s names and expiry, the local CA',
    flags: { json: false },
    async run({ core, io, args }) {
      print(io, await (await core()).tls.status(), args.flags.has('json'));
      return 0;
    },
  },
  {
    path: ['tls', 'ca'],
    usage: 'tls ca',
    summary: "Print the local CA's certificate (PEM) for clients to trust (creates the CA if there is none yet)",
    flags: {},
    async run({ core, io }) {
      io.stdout.write(await (await core()).tls.caCertificate());
      return 0;
    },
  },
];
