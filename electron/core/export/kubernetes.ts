import type { Settings } from '../../../shared/api';
import { RESERVED_ENV_NAMES, isSecretShapedValue, secretNameReason } from '../../../shared/extra-env-policy';
import { databaseVolumeName } from '../../../shared/stack-names';
import { CLAUDE_HOME, GATEWAY_PORT, planStack } from '../services/gateway-plan';
import { comment, yamlStream, type YamlMap, type YamlValue } from './yaml';

/**
 * `gatehouse export kubernetes`: the gateway as Kubernetes manifests, derived from the settings
 * alone (pure: no keychain, no Docker), so no secret value can reach them. A Deployment and a
 * ClusterIP Service; the secrets come from a Secret the user creates from the keychain through
 * stdin (the comment at the top says how), referenced by name only; the Claude login's volume
 * is a PersistentVolumeClaim referenced by name. No Namespace: `kubectl -n` decides. Written
 * for `kubectl apply -f`; documented, not run against a cluster by the tests.
 */

/** The keys of the Secret `<stack>-secrets`; only the master key is required to start. */
export const K8S_SECRET_KEYS = [
  { name: 'LITELLM_MASTER_KEY', optional: false },
  // Unset, LiteLLM encrypts stored credentials with the master key; only matters with a database.
  { name: 'LITELLM_SALT_KEY', optional: true },
  // Absent when the Claude login is in the credentials volume instead.
  { name: 'CLAUDE_CODE_OAUTH_TOKEN', optional: true },
] as const;

/**
 * A name Kubernetes accepts for an object (a DNS-1123 label: lower-case letters, digits and "-",
 * a letter or digit at both ends): the stack's "_" becomes "-".
 */
export function kubernetesName(name: string): string {
  const clean = name
    .toLowerCase()
    .replace(/[^a-z0-9-]+/g, '-')
    .replace(/^-+|-+$/g, '')
    .slice(0, 63)
    .replace(/-+$/, '');
  return clean || 'gatehouse';
}

export interface KubernetesNames {
  /** The stack's name as Kubernetes names allow it (the prefix of every object). */
  base: string;
  deployment: string;
  /** A Service name must start with a letter (DNS-1035). */
  service: string;
  secret: string;
  claim: string;
}

export function kubernetesNames(settings: Pick<Settings, 'stackName' | 'credentialsVolume'>): KubernetesNames {
  const base = kubernetesName(settings.stackName);
  const deployment = `${base}-litellm`;
  return {
    base,
    deployment,
    service: /^[a-z]/.test(deployment) ? deployment : `gatehouse-${deployment}`,
    secret: `${base}-secrets`,
    claim: kubernetesName(settings.credentialsVolume ?? `${settings.stackName}-claude`),
  };
}

/** The one line that creates the Secret from the keychain, the master key through stdin. */
export function createSecretCommand(names: KubernetesNames): string {
  return `gatehouse key print | tr -d '\\n' | kubectl create secret generic ${names.secret} --from-file=LITELLM_MASTER_KEY=/dev/stdin`;
}

/** extraEnv as the gateway gets it, without anything shaped like a secret (settings validation refuses those; kept out here too). */
function plainEnv(extraEnv: Record<string, string>): { env: [string, string][]; left: string[] } {
  const env: [string, string][] = [];
  const left: string[] = [];
  for (const [name, value] of Object.entries(extraEnv)) {
    if (RESERVED_ENV_NAMES.has(name) || secretNameReason(name, value) || isSecretShapedValue(value)) left.push(name);
    else env.push([name, value]);
  }
  return { env, left };
}

function headerComments(settings: Settings, names: KubernetesNames, leftOut: string[]): string[] {
  const s = settings.stackName;
  const lines = [
    `Kubernetes manifests for the Gatehouse stack "${s}" (gatehouse export kubernetes): a Deployment`,
    `and a ClusterIP Service. No Namespace: apply them where you want them, kubectl apply -n NS -f FILE.`,
    `Written from the settings alone; documented, not tested against a cluster by Gatehouse.`,
  ];
  if (names.base !== s) lines.push(`Kubernetes names allow no "_" or upper case: the stack "${s}" is named "${names.base}" here.`);
  lines.push(
    '',
    `No secret is in this file, and no Secret object: the Deployment reads LITELLM_MASTER_KEY (required),`,
    `LITELLM_SALT_KEY and CLAUDE_CODE_OAUTH_TOKEN (optional) from the Secret "${names.secret}".`,
    `Create it from the keychain through stdin (no value in argv, shell history or a file):`,
    '',
    `  ${createSecretCommand(names)}`,
    '',
    `(\`gatehouse key print\` ends the key with a newline, which --from-file would keep in the value; tr drops it.)`,
    `\`gatehouse key print\` prints the master key only. To add the salt key (a new one: the cluster's`,
    `database, if any, is not this machine's) and the Claude token, create the Secret with all three at`,
    `once instead (bash: each <(...) is a pipe kubectl reads as a file; the token is read without echo):`,
    '',
    `  kubectl create secret generic ${names.secret} \\`,
    `    --from-file=LITELLM_MASTER_KEY=<(gatehouse key print | tr -d '\\n') \\`,
    `    --from-file=LITELLM_SALT_KEY=<(printf 'sk-%s' "$(openssl rand -hex 32)") \\`,
    `    --from-file=CLAUDE_CODE_OAUTH_TOKEN=<(read -rs -p 'Claude token: ' t </dev/tty; printf %s "$t")`,
    '',
    `After \`gatehouse key rotate\` the cluster keeps the old key until you replace the Secret`,
    `(kubectl delete secret ${names.secret}, then the line above) and kubectl rollout restart deployment/${names.deployment}.`,
    '',
    `The Claude login's volume is the PersistentVolumeClaim "${names.claim}" (mounted at ${CLAUDE_HOME}),`,
    `not created here: its size and storage class are the cluster's (ReadWriteOnce; ReadWriteMany for`,
    `more than one replica).`,
    `The Service is a ClusterIP one, reachable inside the cluster only; exposing it (Ingress,`,
    `LoadBalancer) leaves the master key as the only barrier.`,
  );
  if (settings.database.enabled) {
    lines.push(
      '',
      `The database is not exported: here the gateway uses PostgreSQL (${settings.database.image}, data in the volume`,
      `${databaseVolumeName(settings)}, which stays on this machine). Run PostgreSQL your cluster's way and give`,
      `the gateway DATABASE_URL from a Secret of its own (an env entry with valueFrom.secretKeyRef) and`,
      `STORE_MODEL_IN_DB=True; then put the salt key in ${names.secret} as above.`,
    );
  }
  if (settings.tls.mode !== 'off') {
    lines.push('', `HTTPS (tls.mode "${settings.tls.mode}") is not exported: the Service speaks HTTP; terminate TLS at your Ingress or load balancer.`);
  }
  if (settings.mounts.length) {
    lines.push('', 'Host folders mounted here (settings.mounts) are not exported; give the pod their files (a ConfigMap, a volume) at:');
    for (const m of settings.mounts) lines.push(`  ${JSON.stringify(m.target)}${m.readOnly ? ' (read-only)' : ''}, from ${JSON.stringify(m.source)} on this machine`);
  }
  if (leftOut.length) lines.push('', `Left out of the environment, shaped like secrets: ${leftOut.join(', ')}.`);
  return lines;
}

/** The manifests as one YAML stream: header comments, then the Deployment and the Service. */
export function kubernetesManifests(settings: Settings): string {
  const names = kubernetesNames(settings);
  const plan = planStack(settings);
  const { env, left } = plainEnv(plan.extraEnv);
  const labels: YamlMap = { 'app.kubernetes.io/name': 'litellm', 'app.kubernetes.io/instance': names.base, 'app.kubernetes.io/part-of': 'gatehouse' };
  const selector: YamlMap = { 'app.kubernetes.io/name': 'litellm', 'app.kubernetes.io/instance': names.base };
  const probe = { httpGet: { path: '/health/liveliness', port: 'http' } };
  const containerEnv: YamlValue[] = [
    ...env.map(([name, value]): YamlMap => ({ name, value })),
    ...K8S_SECRET_KEYS.map(
      (k): YamlMap => ({ name: k.name, valueFrom: { secretKeyRef: { name: names.secret, key: k.name, ...(k.optional ? { optional: true } : {}) } } }),
    ),
  ];

  const deployment: YamlMap = {
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata: { name: names.deployment, labels },
    spec: {
      replicas: settings.replicas,
      selector: { matchLabels: selector },
      template: {
        metadata: { labels },
        spec: {
          // No Docker-link-style <SERVICE>_PORT variables: the environment is exactly what is listed here.
          enableServiceLinks: false,
          containers: [
            {
              name: 'litellm',
              image: settings.image,
              ports: [{ name: 'http', containerPort: GATEWAY_PORT }],
              env: containerEnv,
              volumeMounts: [{ name: 'claude', mountPath: CLAUDE_HOME }],
              // /health/liveliness answers without a key (the readiness route with the key is Docker's HEALTHCHECK's).
              startupProbe: { ...probe, periodSeconds: 2, failureThreshold: Math.max(1, Math.ceil(settings.startTimeoutSeconds / 2)) },
              readinessProbe: { ...probe, periodSeconds: 5, timeoutSeconds: 2, failureThreshold: 3 },
              // The seed image's HEALTHCHECK timing: every 30 s, 10 s timeout, 3 failures.
              livenessProbe: { ...probe, periodSeconds: 30, timeoutSeconds: 10, failureThreshold: 3 },
              securityContext: { allowPrivilegeEscalation: false },
              resources: comment(
                "resources: left to you; LiteLLM's needs depend on its config and traffic, for example",
                'resources: { requests: { cpu: 250m, memory: 512Mi }, limits: { memory: 1Gi } }',
              ),
            },
          ],
          volumes: [{ name: 'claude', persistentVolumeClaim: { claimName: names.claim } }],
        },
      },
    },
  };

  const service: YamlMap = {
    apiVersion: 'v1',
    kind: 'Service',
    metadata: { name: names.service, labels },
    spec: {
      type: 'ClusterIP',
      selector,
      ports: [{ name: 'http', port: settings.port, targetPort: 'http', protocol: 'TCP' }],
    },
  };

  return yamlStream([deployment, service], headerComments(settings, names, left));
}
