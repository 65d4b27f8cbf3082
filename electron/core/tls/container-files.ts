import type { GatewayTlsMaterial } from './gateway-tls';

/** The stack's volume for the gateway's certificate and key (`<stack>-tls`, label role "tls"). */
export function tlsVolumeName(stackName: string): string {
  return `${stackName}-tls`;
}

/** Where the gateway container finds its certificate and key: a volume of Gatehouse's own. */
export const TLS_MOUNT = '/etc/gatehouse-tls';
export const CERT_PATH = `${TLS_MOUNT}/gateway.crt`;
export const KEY_PATH = `${TLS_MOUNT}/gateway.key`;
/** The seed image runs as `claude` (uid/gid 1000); the files are its own and readable by it alone. */
export const GATEWAY_UID = 1000;
export const GATEWAY_GID = 1000;

export interface TarEntry {
  name: string;
  content: string;
  mode: number;
  uid: number;
  gid: number;
}

function octal(n: number, width: number): string {
  // Zero-padded octal, then NUL: the POSIX ustar number format.
  return n.toString(8).padStart(width - 1, '0') + '\0';
}

/**
 * A POSIX ustar archive built in memory, for Docker's "copy into container" (PUT .../archive):
 * regular files only, short names. Built here so that the private key goes from memory to the
 * Docker engine without a file on this machine.
 */
export function tarArchive(entries: TarEntry[], mtime = Math.floor(Date.now() / 1000)): Buffer {
  const blocks: Buffer[] = [];
  for (const e of entries) {
    const body = Buffer.from(e.content, 'utf8');
    if (Buffer.byteLength(e.name) > 100) throw new Error(`tar entry name too long: ${e.name}`);
    const h = Buffer.alloc(512, 0);
    h.write(e.name, 0, 100, 'utf8');
    h.write(octal(e.mode, 8), 100, 8, 'ascii');
    h.write(octal(e.uid, 8), 108, 8, 'ascii');
    h.write(octal(e.gid, 8), 116, 8, 'ascii');
    h.write(octal(body.length, 12), 124, 12, 'ascii');
    h.write(octal(mtime, 12), 136, 12, 'ascii');
    h.write('        ', 148, 8, 'ascii'); // checksum is computed with its own field as spaces
    h.write('0', 156, 1, 'ascii'); // regular file
    h.write('ustar\u000000', 257, 8, 'ascii');
    let sum = 0;
    for (const byte of h) sum += byte;
    h.write(octal(sum, 7) + ' ', 148, 8, 'ascii');
    blocks.push(h, body, Buffer.alloc((512 - (body.length % 512)) % 512, 0));
  }
  blocks.push(Buffer.alloc(1024, 0));
  return Buffer.concat(blocks);
}

/** Names the certificate a gateway was created with; part of its environment, so a new certificate means a new container. */
export const CERT_ENV = 'GATEHOUSE_TLS_CERT_SHA256';

/**
 * The environment that makes LiteLLM (and the stand-in) serve HTTPS with the delivered files,
 * plus the certificate's fingerprint (public), which the plan's environment fingerprint covers.
 */
export function tlsEnv(certSha256?: string): Record<string, string> {
  return { SSL_CERTFILE_PATH: CERT_PATH, SSL_KEYFILE_PATH: KEY_PATH, ...(certSha256 ? { [CERT_ENV]: certSha256 } : {}) };
}

/** Whether a gateway environment asks for HTTPS. */
export function wantsTls(env: Record<string, string>): boolean {
  return Boolean(env.SSL_CERTFILE_PATH && env.SSL_KEYFILE_PATH);
}

/** Something with dockerode's Container.putArchive. */
export interface ArchiveTarget {
  putArchive(file: Buffer, options: { path: string }): Promise<unknown>;
}

/**
 * Copies the certificate and key into a created (not yet started) gateway container's TLS
 * volume: owner uid 1000, mode 0400. Docker writes them straight into the volume.
 */
export async function deliverTlsFiles(container: ArchiveTarget, material: Pick<GatewayTlsMaterial, 'certPem' | 'keyPem'>): Promise<void> {
  const own = { mode: 0o400, uid: GATEWAY_UID, gid: GATEWAY_GID };
  const archive = tarArchive([
    { name: 'gateway.crt', content: material.certPem, ...own },
    { name: 'gateway.key', content: material.keyPem, ...own },
  ]);
  await container.putArchive(archive, { path: TLS_MOUNT });
}
