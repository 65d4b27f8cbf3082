import { LABELS, stackLabels, type StackRole } from '../engine/labels';
import type { DockerEngine, SecretSummary, SwarmEngine } from '../engine/types';
import { fingerprint } from '../secrets/master-key';

/** A Swarm secret a service mounts: the file /run/secrets/<envName> in its tasks. */
export interface SwarmSecretRef {
  envName: string;
  name: string;
  id: string;
}

/** Swarm secrets are immutable: a new value is a new secret, named by the stack, the variable and the value's fingerprint. */
export function secretNameFor(stackName: string, envName: string, value: string): string {
  return `${stackName}_${envName.toLowerCase()}_${fingerprint(value).replace(/^sha256:/, '')}`;
}

/** The stack's secrets of one role (gateway: the keys; database: the password). */
export async function stackSecrets(swarm: SwarmEngine, stackName: string, role: StackRole, signal?: AbortSignal): Promise<SecretSummary[]> {
  const all = await swarm.listSecrets({ label: [`${LABELS.stack}=${stackName}`, `${LABELS.role}=${role}`] }, { signal });
  return all.filter((s) => s.Spec.Labels?.[LABELS.stack] === stackName && s.Spec.Labels?.[LABELS.role] === role);
}

/** The secret holding `value` for `envName`: the existing one (same name = same value) or a new one. */
export async function ensureSecret(swarm: DockerEngine & SwarmEngine, stackName: string, role: StackRole, envName: string, value: string, have: SecretSummary[], signal?: AbortSignal): Promise<SwarmSecretRef> {
  const name = secretNameFor(stackName, envName, value);
  const existing = have.find((s) => s.Spec.Name === name);
  const id = existing?.ID ?? (await swarm.createSecret(name, value, { ...stackLabels(stackName, role), [LABELS.keyFingerprint]: fingerprint(value) }, { signal, action: `create the Swarm secret ${name}` }));
  return { envName, name, id };
}

/** A secret as a service's ContainerSpec mounts it: /run/secrets/<envName>, owned by root, with `mode`. */
export function secretMount(ref: SwarmSecretRef, mode: number): { SecretID: string; SecretName: string; File: { Name: string; UID: string; GID: string; Mode: number } } {
  return { SecretID: ref.id, SecretName: ref.name, File: { Name: ref.envName, UID: '0', GID: '0', Mode: mode } };
}
