import path from 'node:path';
import { writeFileAtomic } from '../core/atomic-file';
import { GatehouseError } from '../core/errors';
import { kubernetesManifests, kubernetesNames } from '../core/export/kubernetes';
import { flagString } from './args';
import type { CliCommand } from './command';

/** `gatehouse export …`: the stack described for another orchestrator, from the settings alone (never a secret). */
export const EXPORT_COMMANDS: CliCommand[] = [
  {
    path: ['export', 'kubernetes'],
    usage: 'export kubernetes [--output FILE]',
    summary: 'Print Kubernetes manifests of the gateway (Deployment, Service, a Secret reference — never the key) and the kubectl line that creates the Secret from `gatehouse key print`',
    flags: { output: true },
    async run({ core, io, args }) {
      const settings = await (await core()).settings.get();
      const yaml = kubernetesManifests(settings);
      const file = flagString(args, 'output');
      if (file === undefined) {
        io.stdout.write(yaml);
        return 0;
      }
      if (!file) throw new GatehouseError('INVALID_ARGUMENT', '--output needs a file name.', 'Example: gatehouse export kubernetes --output gatehouse.yaml');
      const target = path.resolve(file);
      // The manifests hold no secret, so the file may be read by others like any manifest.
      await writeFileAtomic(target, yaml, { mode: 0o644 }).catch((err: NodeJS.ErrnoException) => {
        throw new GatehouseError('INVALID_ARGUMENT', `Could not write ${target}: ${err.code ?? err.message}.`, 'Choose a file in a folder you can write to, or leave out --output to print to stdout.', { cause: err });
      });
      io.stderr.write(`Wrote the Kubernetes manifests of the stack "${settings.stackName}" to ${target}.\nCreate the Secret ${kubernetesNames(settings).secret} first: the command is in the comment at the top of the file.\n`);
      return 0;
    },
  },
];
