import { tlsCheck } from './tls-check';
import type { SecurityCheck } from '../../../shared/api';
import { MIN_KEY_BITS } from '../secrets/key-strength';
import type { PlaintextHit, SecurityFacts } from './facts';
import { isAllInterfaces, isLoopback, reachableFromOutside, urlFor } from './exposure';
import { redirectWarning } from '../../../shared/extra-env-policy';
import { listShort, result } from './check-result';
import { swarmExposureCheck, swarmKeyDriftCheck, swarmKeyPlacementCheck, swarmReadsKey } from './swarm-checks';

/**
 * The security checks: each a pure function of the gathered facts, so that every verdict can be
 * reproduced from a facts object and tested on its own. Order is the order the user sees.
 */
type Check = (f: SecurityFacts) => SecurityCheck;


function day(iso: string | null): string {
  return iso ? iso.slice(0, 10) : 'never';
}

/** For checks that need the key: a keychain that cannot be read is not "no key". */
function keychainUnreadable(f: SecurityFacts, id: string, title: string, what: string): SecurityCheck | null {
  if (f.keychain.status === 'ok' && f.key.info) return null;
  return result(id, title, 'warn', `The keychain could not be read, so ${what} cannot be checked.`, 'Unlock or start the keychain (see "Master key in the keychain"), then check again.');
}

export const keychainCheck: Check = (f) => {
  const t = 'Master key in the keychain';
  const kc = f.keychain;
  if (kc.status === 'locked') {
    return result('keychain', t, 'fail', `The keychain (${kc.backend}) is locked: Gatehouse can neither read nor store the master key${kc.detail ? ` (${kc.detail})` : ''}.`,
      'Unlock your login keyring (log in to the desktop session or use your keyring manager, e.g. Seahorse), then check again.');
  }
  if (kc.status === 'unavailable') {
    return result('keychain', t, 'fail', `The keychain (${kc.backend}) is not available${kc.detail ? `: ${kc.detail}` : ''}.`,
      'Start a Secret Service provider (e.g. gnome-keyring-daemon) in your session; Gatehouse never stores the key anywhere else.');
  }
  if (!f.key.info?.exists) {
    return result('keychain', t, 'fail', `The keychain (${kc.backend}) is unlocked, but it holds no master key.`, 'Create a master key (it is created on the first start).', 'key:create');
  }
  return result('keychain', t, 'pass', `The master key ${f.key.info.fingerprint} is stored in ${kc.backend}, which is unlocked and accepts writes.`);
};

export const keyStrengthCheck: Check = (f) => {
  const t = 'Key strength';
  const s = f.key.strength;
  const unreadable = keychainUnreadable(f, 'key-strength', t, 'the key\'s strength');
  if (unreadable) return unreadable;
  if (!f.key.info?.exists || !s) return result('key-strength', t, 'warn', 'There is no master key to judge.', 'Create a master key.', 'key:create');
  if (!s.strong) {
    return result('key-strength', t, 'fail', `The master key is weak: ${s.problems.join('; ')}.`,
      'Rotate the key: Gatehouse generates 256 random bits and restarts the gateway with them.', 'key:rotate');
  }
  return result('key-strength', t, 'pass', `The master key has the sk- prefix and about ${s.estimatedBits} random bits (at least ${MIN_KEY_BITS} needed), and is no published example.`);
};

export const keyAgeCheck: Check = (f) => {
  const t = 'Key age';
  const info = f.key.info;
  const unreadable = keychainUnreadable(f, 'key-age', t, 'the key\'s age');
  if (unreadable) return unreadable;
  if (!info?.exists) return result('key-age', t, 'warn', 'There is no master key, so it has no age.', 'Create a master key.', 'key:create');
  if (info.pendingRotation) {
    return result('key-age', t, 'warn', 'A key rotation was interrupted and has not been completed or rolled back yet.',
      'Restart Gatehouse (it finishes or rolls back the rotation at start-up), then rotate again if needed.');
  }
  const last = info.rotatedAt ? `last rotated ${day(info.rotatedAt)}` : `created ${day(info.createdAt)}, never rotated`;
  if (info.ageDays === null) {
    return result('key-age', t, 'warn', 'The master key\'s age is unknown (it was created outside Gatehouse or before Gatehouse recorded it).',
      'Rotate the key once so that Gatehouse knows its age.', 'key:rotate');
  }
  if (info.ageDays > f.keyMaxAgeDays) {
    return result('key-age', t, 'warn', `The master key is ${info.ageDays} days old (${last}); rotation is due after ${f.keyMaxAgeDays} days.`,
      'Rotate the key.', 'key:rotate');
  }
  return result('key-age', t, 'pass', `The master key is ${info.ageDays} days old (${last}); rotation is due after ${f.keyMaxAgeDays} days.`);
};

export const keyDriftCheck: Check = (f) => {
  if (f.swarm) return swarmKeyDriftCheck(f);
  const t = 'Gateway uses the keychain key';
  const g = f.gateway;
  if (f.dockerError) return result('key-drift', t, 'warn', `The gateway container could not be inspected: ${f.dockerError}`, 'Start Docker and check again.');
  if (!g) return result('key-drift', t, 'pass', 'No gateway container exists; it receives the keychain\'s key when it is created.');
  const unreadable = keychainUnreadable(f, 'key-drift', t, 'the gateway\'s key');
  if (unreadable) return unreadable;
  const kc = f.key.info?.exists ? f.key.info.fingerprint : null;
  const state = g.running ? 'running' : 'stopped';
  if (!g.envKeyFingerprint) {
    return result('key-drift', t, g.running ? 'fail' : 'warn', `The ${state} gateway container has no LITELLM_MASTER_KEY in its environment.`,
      'Restart the gateway with the keychain key.', 'stack:restart');
  }
  if (!kc) {
    return result('key-drift', t, g.running ? 'fail' : 'warn', `The ${state} gateway runs with key ${g.envKeyFingerprint}, which is not in the keychain (the keychain holds none).`,
      'Import that key into the keychain, or restart the gateway with the keychain key.', 'stack:restart');
  }
  if (g.envKeyFingerprint !== kc) {
    return result('key-drift', t, g.running ? 'fail' : 'warn', `The ${state} gateway runs with key ${g.envKeyFingerprint}, but the keychain holds ${kc}.`,
      'Restart with the keychain key.', 'stack:restart');
  }
  return result('key-drift', t, 'pass', `The ${state} gateway was created with the keychain's key ${kc}.`);
};

export const barrierCheck: Check = (f) => {
  const t = 'Gateway refuses requests without the key';
  const g = f.gateway;
  const p = f.probe;
  // In swarm mode a task may run on another node (no container here): the service's replicas say.
  const running = f.swarm ? f.swarm.replicas.running > 0 : g?.running;
  if (!running || !p) return result('barrier', t, 'pass', 'The gateway is not running, so nothing answers; it is probed again when it starts.');
  if (p.error !== null && p.withoutKey === null) {
    return result('barrier', t, 'warn', `The gateway could not be probed at ${p.url}: ${p.error}.`, 'Check that the gateway is healthy (gatehouse status) and check again.');
  }
  if (p.withoutKey !== null && p.withoutKey >= 200 && p.withoutKey < 300) {
    return result('barrier', t, 'fail', `The gateway at ${p.url} answered HTTP ${p.withoutKey} to a request without a key: anyone who can reach it uses your Claude account.`,
      'Stop the gateway now (gatehouse stop); its image does not enforce LITELLM_MASTER_KEY, so check the image and its config before starting it again.');
  }
  if (p.withoutKey !== 401 && p.withoutKey !== 403) {
    return result('barrier', t, 'warn', `The gateway at ${p.url} answered HTTP ${p.withoutKey} (not 401) to a request without a key.`,
      'Check the gateway\'s logs; it should refuse unauthenticated requests with 401.');
  }
  if (p.withKey === null) {
    return result('barrier', t, 'warn', `The gateway at ${p.url} refused a request without a key (HTTP ${p.withoutKey}), but there is no keychain key to test the other half with${p.error ? ` (${p.error})` : ''}.`,
      'Create a master key and restart the gateway.', 'stack:restart');
  }
  if (p.withKey < 200 || p.withKey >= 300) {
    return result('barrier', t, 'warn', `The gateway at ${p.url} refused a request without a key (HTTP ${p.withoutKey}) but also refused the keychain's key (HTTP ${p.withKey}).`,
      'Restart with the keychain key.', 'stack:restart');
  }
  return result('barrier', t, 'pass', `The gateway at ${p.url} refused a request without a key (HTTP ${p.withoutKey}) and accepted the keychain's key (HTTP ${p.withKey}).`);
};

export const exposureCheck: Check = (f) => {
  if (f.swarm) return swarmExposureCheck(f);
  const t = 'Network exposure';
  const e = f.exposure;
  const where = e.source === 'container' ? 'The gateway is published' : 'The gateway will be published';
  if (e.bindings.length === 0) return result('exposure', t, 'pass', 'The gateway\'s port is not published on this machine.');
  const addrs = e.bindings.map((b) => urlFor(b.hostIp || '0.0.0.0', b.hostPort).slice('http://'.length));
  if (e.bindings.every((b) => isLoopback(b.hostIp))) {
    return result('exposure', t, 'pass', `${where} on ${listShort(addrs)} only; other machines cannot reach it.`);
  }
  // reachable over HTTPS when the gateway serves it (the running container, else the settings).
  const https = f.gateway?.running ? f.gateway.servesTls : f.tls.mode !== 'off';
  const urls = reachableFromOutside(e.bindings, e.lanAddresses).map((u) => (https ? u.replace(/^http:/, 'https:') : u));
  const scope = e.bindings.some((b) => isAllInterfaces(b.hostIp)) ? 'on all interfaces' : `on ${listShort(addrs)}`;
  const reach = urls.length ? `other machines can reach it at ${urls.join(', ')}` : 'other machines on any network this machine joins can reach it';
  if (e.bindFrom) {
    // The variable wins over settings.json: changing the setting would not change anything.
    return result('exposure', t, 'warn', `${where} ${scope} (the bind address comes from ${e.bindFrom}): ${reach}.`,
      `Publish on 127.0.0.1 only: unset ${e.bindFrom} (or set it to 127.0.0.1) where Gatehouse is started, then \`gatehouse restart\`; unless other machines must use the gateway (then serve it over HTTPS, keep the key strong and the network trusted).`);
  }
  return result('exposure', t, 'warn', `${where} ${scope}: ${reach}.`,
    'Publish on 127.0.0.1 only (Settings, or `gatehouse settings set bindAddress 127.0.0.1` then `gatehouse restart`), unless other machines must use the gateway (then serve it over HTTPS, keep the key strong and the network trusted).', 'settings:bind-loopback');
};

const KIND_ORDER: PlaintextHit['kind'][] = ['master-key', 'env-assignment', 'salt-key', 'claude-token', 'database-password', 'client-key'];
const SECRET_NAME: Record<PlaintextHit['kind'], string> = {
  'master-key': 'the master key',
  'env-assignment': 'a LITELLM_MASTER_KEY= value',
  'salt-key': 'the salt key',
  'claude-token': 'the Claude token',
  'database-password': 'the database password',
  'client-key': 'a client key',
};
/** What replaces a secret other than the master key once it was seen in a file. */
const REPLACE: Record<'salt-key' | 'claude-token' | 'database-password' | 'client-key', string> = {
  'salt-key': 'keep the file private (the salt key cannot be rotated without losing the database\'s stored credentials)',
  'claude-token': 'make a new Claude token (claude setup-token, then gatehouse claude set-token)',
  'database-password': 'change the database password',
  'client-key': 'give that client a new key (gatehouse clients rotate NAME)',
};

export const plaintextCheck: Check = (f) => {
  const t = 'No plaintext key on disk';
  const d = f.disk;
  if (d.hits.length) {
    const files = [...new Set(d.hits.map((h) => `${h.file}:${h.line}`))];
    const kinds = [...new Set(d.hits.map((h) => h.kind))].sort((a, b) => KIND_ORDER.indexOf(a) - KIND_ORDER.indexOf(b));
    const what = kinds.map((k) => SECRET_NAME[k]);
    const named = what.length > 1 ? `${what.slice(0, -1).join(', ')} and ${what[what.length - 1]}` : what[0];
    const others = kinds.filter((k) => k !== 'master-key' && k !== 'env-assignment').map((k) => REPLACE[k as Exclude<typeof k, 'master-key' | 'env-assignment'>]);
    return result('plaintext', t, 'fail', `Found ${named} in plain text in ${listShort(files)}.`,
      `Import the secrets into the keychain and scrub them from the file (gatehouse key import --env-file FILE --scrub), then rotate the master key${others.length ? `; also ${others.join(' and ')}` : ''}.`, 'key:import');
  }
  if (d.unreadable.length) {
    return result('plaintext', t, 'warn', `No plaintext key in ${d.scannedFiles} files, but ${listShort(d.unreadable)} could not be read.`,
      'Make those folders readable by your user, or stop watching them (Settings, or `gatehouse settings watch-folder remove PATH`).');
  }
  return result('plaintext', t, 'pass', `No plaintext key in ${d.scannedFiles} files under ${listShort(d.roots)}.`);
};

const LOG_FIX = 'Lower the gateway\'s log level (no LITELLM_LOG=DEBUG or detailed_debug), then rotate the key so the printed one is worthless.';
const IMAGE_PRINTS_FIX =
  'Rotating again does not help while the image prints the key itself: use a newer gateway image (`gatehouse settings set image …`), run it with less logging (`gatehouse settings set extraEnv.LITELLM_LOG ERROR`, then `gatehouse restart`), or turn on LiteLLM\'s own redaction in its config (general_settings: redact_user_api_key_info: true).';

/** Whether the gateway runs at a level that prints requests and settings (LiteLLM's DEBUG and detailed_debug). */
function verboseLogLevel(level: string | null): boolean {
  return level !== null && /debug/i.test(level);
}

export const logSecretsCheck: Check = (f) => {
  const t = 'No secret in the gateway\'s logs';
  const l = f.logs;
  const plural = (n: number) => `${n} log line${n === 1 ? '' : 's'}`;
  if (l.secretLines !== null && l.secretLines > 0) {
    const run = l.since ? ` since its container started at ${l.since}` : '';
    const printed = `The gateway printed a secret in ${plural(l.secretLines)}${run}; Gatehouse hides it, but Docker's log file keeps it.`;
    // At LiteLLM's default level, after a rotation: the image itself prints the new key.
    const afterRotation = l.keyRotatedAt !== null && (l.since === null || l.since >= l.keyRotatedAt);
    if (!verboseLogLevel(l.gatewayLogLevel) && afterRotation) {
      return result('log-secrets', t, 'fail', `${printed} It runs at ${l.gatewayLogLevel ? `LITELLM_LOG=${l.gatewayLogLevel}` : 'LiteLLM\'s default log level'} and printed the key set by the rotation of ${l.keyRotatedAt}, so the image itself prints it.`, IMAGE_PRINTS_FIX, null);
    }
    return result('log-secrets', t, 'fail', printed, LOG_FIX, 'key:rotate');
  }
  // Redactions older than the current key concern a key that no longer opens anything.
  const e = l.engine;
  const recent = e && e.lines > 0 && e.lastAt !== null && (l.keyChangedAt === null || e.lastAt >= l.keyChangedAt);
  if (e && recent && e.exactLines > 0) {
    const redacted = `Gatehouse redacted a keychain secret from ${plural(e.exactLines)} of the gateway's output, the last at ${e.lastAt}, after the current key was set.`;
    if (l.keyRotatedAt !== null && !verboseLogLevel(l.gatewayLogLevel)) {
      return result('log-secrets', t, 'fail', `${redacted} The key was set by the rotation of ${l.keyRotatedAt} and the gateway runs at ${l.gatewayLogLevel ? `LITELLM_LOG=${l.gatewayLogLevel}` : 'LiteLLM\'s default log level'}, so the image itself prints it.`, IMAGE_PRINTS_FIX, null);
    }
    return result('log-secrets', t, 'fail', redacted, LOG_FIX, 'key:rotate');
  }
  if (e && recent) {
    return result('log-secrets', t, 'warn', `Gatehouse redacted something shaped like a key from ${plural(e.lines)} of the gateway's output (the last at ${e.lastAt}); it is not one of the keychain's secrets.`,
      'Check which client or virtual key the gateway printed, and lower its log level.');
  }
  if (l.source === 'none') return result('log-secrets', t, 'pass', 'There are no gateway logs to check yet.');
  if (l.secretLines === null) return result('log-secrets', t, 'warn', 'The gateway\'s logs could not be read to check them for secrets.', 'Start Docker and check again.');
  return result('log-secrets', t, 'pass', `No secret in the gateway's last ${l.scannedLines} log lines.`);
};

function modeString(mode: number): string {
  return mode.toString(8).padStart(3, '0');
}

export const dockerAccessCheck: Check = (f) => (f.swarm ? swarmReadsKey(dockerAccess(f)) : dockerAccess(f));

const dockerAccess: Check = (f) => {
  const t = 'Who can read the key through Docker';
  const ep = f.endpoint;
  if (ep.kind === 'tcp') {
    if (!ep.tls) {
      return result('docker-access', t, 'fail', `Docker is reached over TCP without TLS (${ep.description}): anyone who can reach that port can run \`docker inspect\` and read the master key.`,
        'Protect the engine with TLS (DOCKER_TLS_VERIFY=1 and client certificates), or use the local socket or ssh://.');
    }
    return result('docker-access', t, 'pass', `Docker is reached over TCP with TLS (${ep.description}); only holders of a client certificate can inspect the gateway's environment.`);
  }
  if (ep.kind === 'ssh') return result('docker-access', t, 'pass', `Docker is reached over SSH (${ep.description}); whoever can log in there can inspect the gateway's environment.`);
  if (ep.kind === 'npipe') return result('docker-access', t, 'pass', `Docker is reached through ${ep.description}; administrators and members of docker-users can inspect the gateway's environment.`);
  const s = ep.socket;
  if (!s || !s.exists || s.mode === null) {
    return result('docker-access', t, 'warn', `The Docker socket ${s?.path ?? ep.description} was not found, so who can read the key through it cannot be told.`, 'Start Docker and check again.');
  }
  const owner = `${s.owner ?? '?'}:${s.group ?? '?'}, mode ${modeString(s.mode)}`;
  if (s.mode & 0o006) {
    return result('docker-access', t, 'fail', `The Docker socket ${s.path} (${owner}) is open to every user of this machine: any of them can \`docker inspect\` the gateway and read the master key.`,
      `Restrict the socket (chmod 660 ${s.path}, group docker) and add only trusted users to that group.`);
  }
  const who = [s.owner ?? 'its owner'];
  if (s.mode & 0o060) who.push(`members of group ${s.group ?? '?'}${s.groupMembers.length ? ` (${listShort(s.groupMembers, 5)})` : ''}`);
  return result('docker-access', t, 'pass', `The Docker socket ${s.path} is ${owner}: ${who.join(' and ')} can \`docker inspect\` the gateway and read the master key.`);
};

/** "host:5000/a/b:tag@sha256:…" → "host:5000/a/b" (a port's colon is not a tag's). */
function repoOf(ref: string): string {
  const noDigest = ref.split('@')[0] ?? ref;
  const slash = noDigest.lastIndexOf('/');
  const colon = noDigest.lastIndexOf(':');
  return colon > slash ? noDigest.slice(0, colon) : noDigest;
}

/** The registry digest the gateway runs: the one recorded for the repository it was created from. */
function runningDigest(g: NonNullable<SecurityFacts['gateway']>): string {
  const digests = g.repoDigests.map((d) => ({ repo: repoOf(d), digest: d.split('@')[1] ?? '' }));
  const own = digests.find((d) => d.repo === repoOf(g.imageRef)) ?? digests[0];
  return own?.digest || `${g.imageId} (local image, no registry digest)`;
}

export const imageCheck: Check = (f) => {
  const t = 'Image pinned by digest';
  const running = f.gateway ? runningDigest(f.gateway) : null;
  const runs = running ? ` The container runs ${running}.` : '';
  if (f.image.pinnedByDigest) return result('image-pin', t, 'pass', `The image is pinned by digest (${f.image.configured}).${runs}`);
  return result('image-pin', t, 'warn', `The image is referenced by tag only (${f.image.configured}); whoever controls the tag decides what runs next.${runs}`,
    'Pin the image as name@sha256:<digest> (the digest shown here, once you trust it) in Settings, or with `gatehouse settings set image NAME@sha256:DIGEST`.');
};

export const claudeLoginCheck: Check = (f) => {
  const t = 'Claude login';
  const c = f.claude;
  // A test of the whole chain says more than the files do: a stored token can have expired.
  const last = c.lastTest ?? null;
  if (last && !last.ok && (last.cause === 'no-claude-login' || last.cause === 'claude-login-expired')) {
    return result('claude-login', t, 'fail', `The last test of the whole chain (${last.at}) reached the gateway, but Claude refused it: ${last.plain ?? last.cause}`,
      `${last.fix ?? 'Store a new token: `claude setup-token | gatehouse claude set-token`, then `gatehouse restart`.'} Then run \`gatehouse test\` again.`, 'claude:set-token');
  }
  if (last && last.ok) return result('claude-login', t, 'pass', `The last test of the whole chain (${last.at}) got an answer from Claude.`);
  if (c.tokenInKeychain) return result('claude-login', t, 'pass', 'A Claude OAuth token is stored in the keychain and given to the gateway at start.');
  if (c.volumeHasLogin) return result('claude-login', t, 'pass', `The credentials volume ${c.volume ?? ''} holds a Claude login.`.replace('  ', ' '));
  const unknown = c.volumeHasLogin === null ? ' (the credentials volume could not be looked into)' : '';
  return result('claude-login', t, 'warn', `There is no Claude token in the keychain and no Claude login in the credentials volume${unknown}: the gateway cannot answer model requests.`,
    'Store a token from `claude setup-token` (gatehouse claude set-token), or log in inside the container.', 'claude:set-token');
};

const ROOT_USERS = new Set(['', 'root', '0', '0:0']);
const DANGEROUS_CAPS = new Set(['ALL', 'SYS_ADMIN', 'SYS_PTRACE', 'NET_ADMIN', 'SYS_MODULE', 'DAC_READ_SEARCH']);

export const containerHardeningCheck: Check = (f) => {
  const t = 'Container hardening';
  const g = f.gateway;
  if (f.dockerError) return result('container-hardening', t, 'warn', `The gateway container could not be inspected: ${f.dockerError}`, 'Start Docker and check again.');
  if (!g && f.swarm) {
    const where = f.swarm.notInspected.length ? ` (${listShort(f.swarm.notInspected)} run on other nodes)` : '';
    return result('container-hardening', t, 'skip', `Not applicable in swarm mode now: no task of the gateway service ${f.swarm.service} runs in a container on this engine's node${where}; it is checked when one does.`,
      'Check again while the service runs, against the engine of a node that runs a task (DOCKER_HOST).');
  }
  if (!g) return result('container-hardening', t, 'pass', 'No gateway container exists; it is checked when it is created.');
  const bad: string[] = [];
  if (g.privileged) bad.push('it runs privileged');
  const sockets = g.mounts.filter((m) => /docker\.sock$|containerd\.sock$|podman\.sock$/.test(m.source) || /docker\.sock$/.test(m.destination));
  if (sockets.length) bad.push(`it mounts the engine socket (${sockets.map((m) => m.source).join(', ')})`);
  if (g.networkMode === 'host') bad.push('it shares the host network');
  const caps = g.capAdd.filter((c) => DANGEROUS_CAPS.has(c.replace(/^CAP_/, '')));
  if (caps.length) bad.push(`it adds capabilities ${caps.join(', ')}`);
  const user = ROOT_USERS.has(g.user) ? 'root' : g.user;
  if (bad.length) {
    return result('container-hardening', t, 'fail', `The gateway container can reach beyond itself: ${bad.join('; ')} (user inside: ${user}).`,
      'Recreate the gateway with Gatehouse\'s own settings (no privileged mode, no socket mount, bridge network).', 'stack:restart');
  }
  if (user === 'root') {
    return result('container-hardening', t, 'warn', 'The gateway container is not privileged, mounts no engine socket and has its own network, but runs as root inside.',
      'Use an image that runs as an unprivileged user (the seed image runs as "claude").');
  }
  return result('container-hardening', t, 'pass', `The gateway container is not privileged, mounts no engine socket, has its own network (${g.networkMode}) and runs as user ${user}.`);
};

/** Secrets never get into extraEnv (the settings schema refuses them); what may, and is worth a look, redirects traffic or loads code. */
export const extraEnvCheck: Check = (f) => {
  const t = 'Extra environment';
  const flagged = f.extraEnvNames.filter((name) => redirectWarning(name) !== null);
  if (!flagged.length) {
    return result('extra-env', t, 'pass', f.extraEnvNames.length ? `The gateway's extra environment (${listShort(f.extraEnvNames)}) neither redirects its traffic nor loads code into it.` : 'The gateway gets no extra environment.');
  }
  return result('extra-env', t, 'warn', `The gateway's extra environment sends its requests elsewhere or loads code into it: ${flagged.join(', ')}. Whatever they point to sees the traffic, and the credentials it carries.`,
    `Keep them only if you trust what they point to; otherwise \`gatehouse settings unset extraEnv.${flagged[0]}\` (or remove them in Settings) and restart the gateway.`);
};

export const appHardeningCheck: Check = (f) => {
  const t = 'Desktop app hardening';
  const a = f.app;
  // Not a finding about this front end: skipped, so that `gatehouse security` can pass as a gate.
  if (!a) return result('app-hardening', t, 'skip', 'Skipped: not running inside the desktop app, so its window hardening cannot be checked here.', 'Open the Security view in the desktop app to check it.');
  const off: string[] = [];
  if (!a.contextIsolation) off.push('context isolation is off');
  if (!a.sandbox) off.push('the renderer is not sandboxed');
  if (a.nodeIntegration) off.push('Node integration is on');
  if (!a.webSecurity) off.push('web security is off');
  if (!a.csp) off.push('there is no Content-Security-Policy');
  if (!a.navigationBlocked) off.push('navigation is not blocked');
  if (!a.windowOpenDenied) off.push('new windows are not denied');
  if (!a.permissionsDenied) off.push('permission requests are not denied');
  if (off.length) {
    return result('app-hardening', t, 'fail', `The desktop app's window is not hardened: ${off.join('; ')}.`, 'Install an official Gatehouse build; this one was changed or built without its hardening.');
  }
  if (/'unsafe-eval'|'unsafe-inline'[^;]*script|script-src[^;]*'unsafe-inline'/.test(a.csp ?? '')) {
    return result('app-hardening', t, 'warn', `The desktop app is isolated and sandboxed, but its Content-Security-Policy allows unsafe scripts (${a.csp}).`,
      'Install an official Gatehouse build.');
  }
  return result('app-hardening', t, 'pass', 'The desktop app runs with context isolation, a sandboxed renderer, a Content-Security-Policy, and blocked navigation, new windows and permission requests.');
};

/** Every check, in the order the user sees them. */
export const CHECKS: readonly Check[] = [
  keychainCheck,
  keyStrengthCheck,
  keyAgeCheck,
  keyDriftCheck,
  barrierCheck,
  exposureCheck,
  plaintextCheck,
  logSecretsCheck,
  dockerAccessCheck,
  imageCheck,
  claudeLoginCheck,
  containerHardeningCheck,
  extraEnvCheck,
  appHardeningCheck,
  tlsCheck,
];

/** Swarm mode adds the check that the key is in no Env, spec or label (after the key-drift check). */
export function evaluate(facts: SecurityFacts): SecurityCheck[] {
  const checks = facts.swarm ? CHECKS.flatMap((c) => (c === keyDriftCheck ? [c, swarmKeyPlacementCheck] : [c])) : CHECKS;
  return checks.map((check) => check(facts));
}
