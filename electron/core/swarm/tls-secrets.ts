import type { SecretSummary } from '../engine/types';
import type { DockerEngine, SwarmEngine } from '../engine/types';
import { GatehouseError } from '../errors';
import { CERT_ENV, GATEWAY_GID, GATEWAY_UID, wantsTls } from '../tls/container-files';
import type { GatewayTlsMaterial } from '../tls/gateway-tls';
import { ensureSecret, type SwarmSecretRef } from './secrets';

/*
 * HTTPS in swarm mode. Swarm publishes the gateway on every interface of its nodes (bindAddress
 * does not apply), so the key must not cross the network in clear: the gateway certificate and
 * its private key become Swarm secrets `<stack>_tls_cert_<fp>` / `<stack>_tls_key_<fp>` (immutable:
 * a new certificate is a new pair of secrets, which updates the service), mounted as files owned by
 * the image's user with mode 0400, like container mode's TLS volume. Only their paths are in the
 * service's Env; the key's content is in no spec, no Env and no file on this machine.
 */

/** The variables a gateway environment carries for HTTPS (gateway-tls.ts gatewayEnv): container-mode paths, replaced here. */
export const TLS_ENV_NAMES: readonly string[] = ['SSL_CERTFILE_PATH', 'SSL_KEYFILE_PATH', CERT_ENV];

/** The two secrets' variable parts: they name the secrets `<stack>_tls_cert_<fp>` / `<stack>_tls_key_<fp>`. */
export const TLS_CERT_SECRET = 'TLS_CERT';
export const TLS_KEY_SECRET = 'TLS_KEY';

/** Where a task finds a TLS secret: /run/secrets/<the secret's own name>, so a new certificate is a new path. */
export function tlsSecretPath(ref: SwarmSecretRef): string {
  return `/run/secrets/${ref.name}`;
}

export function isTlsSecret(ref: SwarmSecretRef): boolean {
  return ref.envName === TLS_CERT_SECRET || ref.envName === TLS_KEY_SECRET;
}

/** The certificate and key for the certificate named in a gateway environment (gateway-tls.ts filesFor). */
export interface TlsFilesSource {
  filesFor(sha256: string): Promise<Pick<GatewayTlsMaterial, 'certPem' | 'keyPem'>>;
}

/**
 * The TLS secrets for `secretEnv` (none when it asks for no HTTPS): existing ones reused (same
 * name = same content), missing ones created with the stack's gateway labels, so the stack's
 * unused-secret removal also removes a replaced certificate's pair once the update is verified.
 */
export async function ensureTlsSecrets(
  swarm: DockerEngine & SwarmEngine,
  stackName: string,
  secretEnv: Record<string, string>,
  have: SecretSummary[],
  source: TlsFilesSource | undefined,
  signal?: AbortSignal,
): Promise<SwarmSecretRef[]> {
  if (!wantsTls(secretEnv)) return [];
  const sha256 = secretEnv[CERT_ENV];
  if (!source || !sha256) {
    throw new GatehouseError('INTERNAL', 'The swarm gateway asks for HTTPS but this core cannot hand it a certificate.', 'This is a bug in Gatehouse; please report it.');
  }
  const { certPem, keyPem } = await source.filesFor(sha256);
  return [
    await ensureSecret(swarm, stackName, 'gateway', TLS_CERT_SECRET, certPem, have, signal),
    await ensureSecret(swarm, stackName, 'gateway', TLS_KEY_SECRET, keyPem, have, signal),
  ];
}

/**
 * The service's HTTPS environment: the mounted secrets' paths (not secret) and the certificate's
 * fingerprint (public, as in container mode). Empty without TLS secrets.
 */
export function tlsServiceEnv(secrets: SwarmSecretRef[], secretEnv: Record<string, string>): Record<string, string> {
  const cert = secrets.find((s) => s.envName === TLS_CERT_SECRET);
  const key = secrets.find((s) => s.envName === TLS_KEY_SECRET);
  if (!cert || !key) return {};
  return { SSL_CERTFILE_PATH: tlsSecretPath(cert), SSL_KEYFILE_PATH: tlsSecretPath(key), ...(secretEnv[CERT_ENV] ? { [CERT_ENV]: secretEnv[CERT_ENV] } : {}) };
}

/**
 * A TLS secret as the service mounts it: owned by the image's user (the seed's `claude`, the same
 * uid/gid container mode gives the files in its TLS volume), mode 0400, so no other user of the
 * task reads the key.
 */
export function tlsSecretMount(ref: SwarmSecretRef): { SecretID: string; SecretName: string; File: { Name: string; UID: string; GID: string; Mode: number } } {
  return { SecretID: ref.id, SecretName: ref.name, File: { Name: ref.name, UID: String(GATEWAY_UID), GID: String(GATEWAY_GID), Mode: 0o400 } };
}
