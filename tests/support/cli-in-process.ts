import { PassThrough } from 'node:stream';
import { main } from '../../electron/cli/main';

/** Runs `gatehouse …` in this process with its own streams and environment (no stdin). */
export async function runCliInProcess(argv: string[], env: NodeJS.ProcessEnv): Promise<{ code: number; stdout: string; stderr: string }> {
  const stdout = new PassThrough();
  const stderr = new PassThrough();
  let out = '';
  let err = '';
  stdout.on('data', (c: Buffer) => (out += c.toString()));
  stderr.on('data', (c: Buffer) => (err += c.toString()));
  const code = await main(argv, { stdout, stderr, stdin: new PassThrough() }, env);
  return { code, stdout: out, stderr: err };
}
