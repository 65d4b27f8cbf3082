import type { SecurityCheck } from '../../../shared/api';
import { listShort, result } from './check-result';
import { reachableFromOutside } from './exposure';
import type { PlaintextSecretKind, SecurityFacts, SwarmFacts } from './facts';

/*
 * The checks as swarm mode (settings.target "swarm") asks them: the gateway is the service
 * `<stack>_litellm`, its key a Swarm secret (a file in memory in each task), never an Env.
 * Pure functions of the facts, like every check.
 */

function swarmOf(f: SecurityFacts): SwarmFacts {
  return f.swarm as SwarmFacts;
}

function keychainFingerprint(f: SecurityFacts): { ok: true; fp: string | null } | { ok: false } {
  if (f.keychain.status !== 'ok' || !f.key.info) return { ok: false };
  return { ok: true, fp: f.key.info.exists ? f.key.info.fingerprint : null };
}

const KIND_NAME: Record<PlaintextSecretKind, string> = {
  'master-key': 'the master key',
  'salt-key': 'the salt key',
  'claude-token': 'the Claude token',
  'database-password': 'the database password',
  'client-key': 'a client key',
};

/** "Gateway uses the keychain key": the Swarm secret the service gets, by its fingerprint. */
export function swarmKeyDriftCheck(f: SecurityFacts): SecurityCheck {
  const t = 'Gateway uses the keychain key';
  const s = swarmOf(f);
  if (f.dockerError) return result('key-drift', t, 'warn', `The gateway service ${s.service} could not be inspected: ${f.dockerError}`, 'Start Docker and check again.');
  if (!s.exists) return result('key-drift', t, 'pass', `No gateway service ${s.service} exists; it gets the keychain's key as a Swarm secret when it is deployed.`);
  const kc = keychainFingerprint(f);
  if (!kc.ok) return result('key-drift', t, 'warn', 'The keychain could not be read, so the gateway\'s key cannot be checked.', 'Unlock or start the keychain (see "Master key in the keychain"), then check again.');
  const running = s.replicas.running > 0;
  const state = running ? 'running' : 'stopped (scaled to 0)';
  const bad = running ? 'fail' : 'warn';
  if (!s.keySecret) {
    return result('key-drift', t, bad, `The ${state} gateway service ${s.service} gets no LITELLM_MASTER_KEY Swarm secret.`,
      'Restart the gateway (`gatehouse restart`): it is deployed with the keychain\'s key as a Swarm secret.', 'stack:restart');
  }
  const fp = s.keySecret.fingerprint ?? s.labelKeyFingerprint;
  if (!kc.fp) {
    return result('key-drift', t, bad, `The ${state} gateway service ${s.service} gets key ${fp ?? '(unknown)'} from the Swarm secret ${s.keySecret.name}, which is not in the keychain (the keychain holds none).`,
      'Import that key into the keychain, or restart the gateway with the keychain key.', 'stack:restart');
  }
  if (fp !== kc.fp) {
    return result('key-drift', t, bad, `The ${state} gateway service ${s.service} gets key ${fp ?? '(unknown)'} from the Swarm secret ${s.keySecret.name}, but the keychain holds ${kc.fp}.`,
      'Restart with the keychain key (`gatehouse restart`).', 'stack:restart');
  }
  return result('key-drift', t, 'pass', `The ${state} gateway service ${s.service} gets the keychain's key ${kc.fp} as the Swarm secret ${s.keySecret.name}: a file in memory in each task (/run/secrets/LITELLM_MASTER_KEY), encrypted in the swarm's Raft log.`);
}

/**
 * Swarm mode only: the key (and every other keychain secret) is in no Env, no command, no label
 * of the service's spec (or the previous spec Docker keeps for a rollback) and of any task
 * container `docker inspect` shows. A hit names the place, never the value.
 */
export function swarmKeyPlacementCheck(f: SecurityFacts): SecurityCheck {
  const t = 'Key in no Env, spec or label';
  const s = swarmOf(f);
  if (f.dockerError) return result('key-placement', t, 'warn', `The gateway service ${s.service} could not be inspected: ${f.dockerError}`, 'Start Docker and check again.');
  if (!s.exists) return result('key-placement', t, 'pass', `No gateway service ${s.service} exists, so no spec or task holds the key; a deploy gives it the key only as a Swarm secret.`);
  if (s.secretHits.length) {
    const kinds = [...new Set(s.secretHits.map((h) => h.kind))];
    const named = kinds.map((k) => KIND_NAME[k]).join(' and ');
    const places = [...new Set(s.secretHits.map((h) => h.place))];
    const others = kinds.filter((k) => k !== 'master-key');
    return result('key-placement', t, 'fail',
      `Found ${named} outside the Swarm secrets, where \`docker service inspect\` or \`docker inspect\` shows it to anyone with Docker access: ${listShort(places, 6)}.`,
      `Rotate the key (\`gatehouse key rotate\`): the service is redeployed from Gatehouse's own spec, without it, and the exposed key stops working. Find out who changed the service (\`docker service inspect ${s.service}\`)${others.length ? `; also replace ${others.map((k) => KIND_NAME[k]).join(' and ')}` : ''}.`,
      'key:rotate');
  }
  const specPart = `the service ${s.service}'s spec (${s.looked.spec.join(', ') || 'nothing set'})`;
  const tasks = s.looked.containers.length
    ? `the Env, Cmd, Entrypoint and Labels of ${s.looked.containers.length} task container${s.looked.containers.length === 1 ? '' : 's'} (${listShort(s.looked.containers, 4)})`
    : 'any task container (none exists on this engine\'s node)';
  const elsewhere = s.notInspected.length ? ` The containers of ${listShort(s.notInspected)} run on other nodes and were not inspected.` : '';
  if (s.replicas.running > 0 && !s.looked.containers.length) {
    return result('key-placement', t, 'warn', `The key is not in ${specPart}, but no running task's container could be inspected from this engine.${elsewhere}`,
      'Run `gatehouse security` against the engine of a node that runs a task (DOCKER_HOST) to check its containers.');
  }
  const others = s.looked.services.length ? ` The stack's other services (${listShort(s.looked.services)}) hold no keychain secret in their specs or tasks either.` : '';
  return result('key-placement', t, 'pass', `The key is not in any Env: not in ${specPart} nor in ${tasks}; it reaches the gateway only as the Swarm secret${s.keySecret ? ` ${s.keySecret.name}` : ''}.${others}${elsewhere}`);
}

/** "Network exposure" in swarm mode: Swarm publishes on every interface; bindAddress does not apply. */
export function swarmExposureCheck(f: SecurityFacts): SecurityCheck {
  const t = 'Network exposure';
  const s = swarmOf(f);
  const e = f.exposure;
  const port = e.bindings[0]?.hostPort ?? 0;
  const mode = s.publishMode ?? 'ingress';
  const where = mode === 'host' ? 'each node that runs a task (publish mode host)' : 'every node of the swarm (the routing mesh, publish mode ingress)';
  const urls = reachableFromOutside(e.bindings, e.lanAddresses);
  const reach = urls.length ? `other machines can reach it at ${urls.join(', ')}` : 'other machines on any network a node joins can reach it';
  const verb = s.replicas.running > 0 ? 'publishes' : 'will publish';
  return result('exposure', t, 'warn',
    `Swarm ${verb} the gateway's port ${port} on all interfaces of ${where}: the bindAddress setting (${s.bindAddressSetting}) does not apply in swarm mode, so ${reach}.`,
    `Swarm cannot publish on 127.0.0.1 only: allow port ${port} only from trusted networks in each node's firewall, keep the key strong and serve HTTPS${f.tls.mode === 'off' ? ' (`gatehouse tls enable`, then `gatehouse restart`)' : ' (on)'}, or run the gateway on this machine only with \`gatehouse settings set target container\` (then bindAddress 127.0.0.1 applies).`);
}

/** The docker-access check's words in swarm mode: Docker access still reads the key, but not with `docker inspect`. */
export function swarmReadsKey(check: SecurityCheck): SecurityCheck {
  const finding = check.finding
    .replace(/`docker inspect` the gateway and read the master key/g, '`docker exec` into a gateway task and read the master key from /run/secrets (in swarm mode `docker inspect` does not show it)')
    .replace(/run `docker inspect` and read the master key/g, 'run `docker exec` in a gateway task and read the master key from /run/secrets')
    .replace(/inspect the gateway's environment/g, 'read the gateway\'s Swarm secret through `docker exec` into a task');
  return { ...check, finding };
}
