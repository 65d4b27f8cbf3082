import type { Settings } from '../../../shared/api';
import { GatehouseError, isGatehouseError } from '../errors';
import { dockerFailure, engineReason, engineStatus } from '../engine/connection';
import { containerHandle } from '../engine/container-logs';
import type { ContainerDetails, ContainerSummary, DockerEngine, EngineStream } from '../engine/types';
import { GATEWAY_PORT, START_INTERVAL_API, apiAtLeast, clientHost, envFingerprint, gatewayCreateOptions, gatewayEnv, gatewayHealthcheck, planDifferences, planStack, type HealthConfig, type StackPlan } from './gateway-plan';
import { waitHealthy, type ReadinessProgress } from './health';
import { gatewayProbe, type GatewayProbe } from './gateway-probe';
import type { ImageDetails } from '../engine/types';
import { ServiceLifecycle } from './lifecycle';
import { activeOverrides } from '../settings';
import type { ServiceSpec } from './service-spec';
import { stackLabels } from '../engine/labels';
import { CERT_ENV, deliverTlsFiles, tlsVolumeName, wantsTls } from '../tls/container-files';
import type { GatewayTls } from '../tls/gateway-tls';
import { trustGateway } from '../tls/trust-registry';

/** Returns the secret environment for a gateway container (see secrets/gateway-env.ts). */
export type SecretEnvProvider = (options?: { masterKey?: string }) => Promise<Record<string, string>>;

/** Graceful stop of a gateway: in-flight requests finish, SIGKILL after this. */
export const GATEWAY_STOP_TIMEOUT_S = 10;

export interface VerifyOptions {
  masterKey: string;
  /** Values redacted from log lines quoted in errors (every secret in the container's env). */
  secrets: string[];
  signal?: AbortSignal;
  /** Default: the settings' startTimeoutSeconds. */
  timeoutMs?: number;
  /** Told when the wait enters a phase (booting, barrier) and since when: the status line's counter. */
  onProgress?: (progress: ReadinessProgress) => void;
}

export interface StartVerifyOptions extends VerifyOptions {
  /**
   * Settles when the container this one replaces on the same port has been torn down (its stop
   * call returned). A start that meets "port is already allocated" before then waits for it and
   * tries once more, so a replacement can be started as soon as the old process has exited.
   */
  portReleasedBy?: Promise<unknown>;
}

/** What Docker says when the host port is taken (by another program, or a container still tearing down). */
const PORT_CONFLICT = /address already in use|port is already allocated|bind: /i;

/** The readiness a gateway is held to: the master key and the secrets to redact, from its secret environment. */
export function verifyOptionsFor(secretEnv: Record<string, string>, signal?: AbortSignal): StartVerifyOptions {
  const masterKey = secretEnv.LITELLM_MASTER_KEY;
  if (!masterKey) throw new GatehouseError('INTERNAL', 'The gateway secret environment has no LITELLM_MASTER_KEY.', 'This is a bug in Gatehouse; please report it.');
  return { masterKey, secrets: Object.values(secretEnv), signal };
}

/**
 * The LiteLLM gateway as a ServiceSpec (its plan, create request, differences, start and the
 * readiness = health + barrier), with the building blocks key rotation composes: create under a
 * name, start and verify, stop for a replacement, rename, remove.
 */
export class GatewayService implements ServiceSpec<StackPlan, Record<string, string>, StartVerifyOptions> {
  readonly role = 'gateway' as const;
  readonly noun = 'the gateway container';
  readonly stopTimeoutS = GATEWAY_STOP_TIMEOUT_S;
  readonly lifecycle: ServiceLifecycle<StackPlan, Record<string, string>, StartVerifyOptions>;

  constructor(
    readonly engine: DockerEngine,
    private readonly settings: () => Promise<Settings>,
    /** HTTPS: the certificates the probes trust, the files a created gateway gets. */
    private readonly tls?: Pick<GatewayTls, 'trust' | 'filesFor'>,
  ) {
    this.lifecycle = new ServiceLifecycle(engine, this);
  }

  async plan(): Promise<StackPlan> {
    const settings = await this.settings();
    // The engine was built from the core's environment: the GATEHOUSE_* variables that set the plan.
    const plan = planStack(settings, activeOverrides(this.engine.env ?? {}));
    // Every probe of an https:// gateway trusts its CA (or custom chain) and nothing else.
    if (this.tls && settings.tls.mode !== 'off') trustGateway(plan.port, await this.tls.trust(settings));
    return plan;
  }

  /** The URL this process reaches the gateway at (the remote engine's host when DOCKER_HOST is remote). */
  probeUrl(plan: StackPlan): string {
    const ep = this.engine.endpoint();
    const host = this.engine.env.DOCKER_HOST;
    if ((ep.kind === 'tcp' || ep.kind === 'ssh') && host) {
      return `${new URL(plan.url).protocol}//${clientHost(new URL(host.trim().replace(/^tcp:/, 'http:')).hostname)}:${plan.port}`;
    }
    return plan.url;
  }

  /** How the gateway container `id` is probed: HTTP at probeUrl on a local engine, from inside the container on a remote one. */
  probeFor(plan: StackPlan, id: string | null): GatewayProbe {
    const scheme = new URL(plan.url).protocol === 'https:' ? 'https' : 'http';
    return gatewayProbe(this.engine, this.probeUrl(plan), id === null ? null : { id, scheme, port: GATEWAY_PORT });
  }

  // --- ServiceSpec ----------------------------------------------------------------------------

  createOptions(plan: StackPlan, secretEnv: Record<string, string>, name: string) {
    return gatewayCreateOptions(plan, secretEnv, name, this.healthchecks.get(plan.image)?.config ?? null);
  }

  /** Per image: the Healthcheck its gateways are created with, and the engine's API version. */
  private readonly healthchecks = new Map<string, { config: HealthConfig | null; apiVersion: string; imageHas: boolean }>();

  /**
   * The image's inspect (null when it is not on this machine), asked side by side with the engine's
   * API version; remembers the Healthcheck gateways of this image get (gatewayHealthcheck).
   */
  async inspectImage(plan: StackPlan, signal?: AbortSignal): Promise<ImageDetails | null> {
    const [image, apiVersion] = await Promise.all([this.engine.inspectImage(plan.image, { signal }), this.engine.apiVersion({ signal }).catch(() => '0')]);
    if (image) {
      const own = (image.Config as { Healthcheck?: HealthConfig } | undefined)?.Healthcheck;
      this.healthchecks.set(plan.image, { config: gatewayHealthcheck(own, apiVersion, plan.startTimeoutMs), apiVersion, imageHas: !!own?.Test && own.Test[0] !== 'NONE' });
    }
    return image;
  }

  /**
   * Said in the status while Docker's health check lags behind Gatehouse's own readiness: why,
   * when the engine is too old for a StartInterval; null when nothing needs saying.
   */
  healthcheckNote(plan: StackPlan): string | null {
    const known = this.healthchecks.get(plan.image);
    if (!known?.imageHas || known.config) return null;
    if (apiAtLeast(known.apiVersion, START_INTERVAL_API)) return null;
    return `this engine speaks Engine API ${known.apiVersion}, older than ${START_INTERVAL_API} (StartInterval), so Gatehouse leaves the image's health check alone and Docker's first check runs one interval after start`;
  }

  differences(plan: StackPlan, existing: ContainerDetails, secretEnv: Record<string, string>): string[] {
    return planDifferences(plan, existing, envFingerprint(gatewayEnv(plan, secretEnv)));
  }

  /** With HTTPS: the stack's TLS volume (labelled), where afterCreate puts the certificate and key. */
  async beforeCreate(plan: StackPlan, secretEnv: Record<string, string>, signal?: AbortSignal): Promise<void> {
    if (!wantsTls(secretEnv)) return;
    // Creating a volume that exists is a no-op for Docker; the create step mounts it by name.
    await this.engine.createVolume({ Name: tlsVolumeName(plan.stackName), Labels: stackLabels(plan.stackName, 'tls') }, { signal, action: `create volume ${tlsVolumeName(plan.stackName)}` });
  }

  /** With HTTPS: the certificate and key go from memory into the created container's TLS volume (uid 1000, 0400). */
  async afterCreate(_plan: StackPlan, secretEnv: Record<string, string>, id: string, signal?: AbortSignal): Promise<void> {
    if (!wantsTls(secretEnv)) return;
    if (!this.tls) throw new GatehouseError('INTERNAL', 'The gateway asks for HTTPS but this core has no TLS service.', 'This is a bug in Gatehouse; please report it.');
    const files = await this.tls.filesFor(await this.settings(), secretEnv[CERT_ENV] ?? '');
    await deliverTlsFiles({ putArchive: (archive, o) => this.engine.putArchive(id, o.path, archive, { signal, action: 'copy the certificate into the gateway container' }) }, files);
  }

  createError(_plan: StackPlan, name: string, err: unknown): GatehouseError | null {
    if (engineStatus(err) !== 409) return null;
    return new GatehouseError(
      'SETTINGS_INVALID',
      `Invalid setting "stackName": a container named ${name} already exists and does not belong to this stack.`,
      'Choose another stack name in the settings (or GATEHOUSE_STACK), or remove that container yourself if it is unused.',
      { cause: err },
    );
  }

  async start(plan: StackPlan, id: string, options: StartVerifyOptions, signal = options.signal): Promise<void> {
    const start = () => this.engine.startContainer(id, { signal, action: 'start the gateway container' });
    try {
      await start();
    } catch (err) {
      if (!options.portReleasedBy || !PORT_CONFLICT.test(engineReason(err))) throw this.startError(plan, err);
      // The container being replaced still held the port: once its teardown is done, once more.
      await options.portReleasedBy;
      try {
        await start();
      } catch (again) {
        throw this.startError(plan, again);
      }
    }
  }

  private startError(plan: StackPlan, err: unknown): unknown {
    if (!isGatehouseError(err, 'INTERNAL') || !PORT_CONFLICT.test(engineReason(err))) return err;
    return new GatehouseError(
      'PORT_IN_USE',
      `Port ${plan.port} on ${plan.bindAddress} is already taken by another program, so the gateway cannot listen there.`,
      `Stop the program using port ${plan.port} (e.g. \`ss -ltnp 'sport = :${plan.port}'\` shows it), or choose another port in the settings (or GATEHOUSE_PORT).`,
      { cause: err },
    );
  }

  /** Waits until a running gateway is healthy and the barrier holds; an open one is stopped at once. */
  async ready(plan: StackPlan, id: string, options: VerifyOptions, signal = options.signal): Promise<void> {
    try {
      await waitHealthy(containerHandle(this.engine, id, 'check the gateway container'), {
        url: this.probeUrl(plan),
        probe: this.probeFor(plan, id),
        masterKey: options.masterKey,
        secrets: options.secrets,
        timeoutMs: options.timeoutMs ?? plan.startTimeoutMs,
        signal,
        onProgress: options.onProgress,
      });
    } catch (err) {
      if (isGatehouseError(err, 'GATEWAY_UNSAFE')) await this.stopContainer(id).catch(() => undefined);
      throw dockerFailure(err, 'check the gateway container', this.engine.env, signal);
    }
  }

  // --- Building blocks (key rotation composes them under the stack's queue) --------------------

  listGateways(plan: StackPlan, signal?: AbortSignal): Promise<ContainerSummary[]> {
    return this.lifecycle.list(plan, signal);
  }

  /** The gateway container by the find-by-role rule; null if none. */
  async findGateway(plan?: StackPlan, signal?: AbortSignal): Promise<ContainerDetails | null> {
    return this.lifecycle.find(plan ?? (await this.plan()), signal);
  }

  inspect(id: string, signal?: AbortSignal): Promise<ContainerDetails | null> {
    return this.lifecycle.inspect(id, signal);
  }

  /** Creates (not starts) the gateway container with `secretEnv` under `name`; returns its id. */
  async createGateway(plan: StackPlan, secretEnv: Record<string, string>, name = plan.containerName, signal?: AbortSignal): Promise<string> {
    if (!this.healthchecks.has(plan.image)) await this.inspectImage(plan, signal);
    return this.lifecycle.create(plan, secretEnv, name, signal);
  }

  /**
   * Starts the container and waits until it is healthy and the barrier holds for `masterKey`.
   * An open gateway is stopped at once (fail closed) and GATEWAY_UNSAFE is thrown; a taken port
   * is PORT_IN_USE. Does not remove anything on failure: the caller decides.
   */
  startAndVerify(plan: StackPlan, containerId: string, options: StartVerifyOptions): Promise<void> {
    return this.lifecycle.startAndReady(plan, containerId, options, options.signal);
  }

  /** Waits until a running gateway is healthy and the barrier holds (no start). */
  verify(plan: StackPlan, containerId: string, options: VerifyOptions): Promise<void> {
    return this.ready(plan, containerId, options);
  }

  /** Graceful stop (SIGTERM, then SIGKILL after `timeoutS`); a stopped container is fine. */
  stopContainer(containerId: string, timeoutS = GATEWAY_STOP_TIMEOUT_S, signal?: AbortSignal): Promise<void> {
    return this.lifecycle.stop(containerId, timeoutS, signal);
  }

  /**
   * Stops a container that another will replace on the same port, gracefully as stopContainer
   * does. `exited` settles as soon as its process has exited (Docker's "die" event), which comes
   * ~100–250 ms before Docker has torn it down (network endpoint, published port) and the stop
   * call returns; `stopped` when the stop call returns (it rejects if the stop fails). Starting
   * the replacement from `exited`, with `portReleasedBy: stopped`, overlaps that teardown with
   * the replacement's start: the outage of a rotation is shorter, the stop itself is unchanged.
   */
  async stopForReplacement(containerId: string, timeoutS = GATEWAY_STOP_TIMEOUT_S): Promise<{ exited: Promise<void>; stopped: Promise<void> }> {
    const abort = new AbortController();
    let events: EngineStream | null = null;
    try {
      events = await this.engine.events({ type: ['container'], container: [containerId], event: ['die'] }, { signal: abort.signal });
      events.on('error', () => undefined); // the abort below ends it with an error: expected
    } catch {
      events = null; // no event stream: wait for the stop call itself
    }
    const stopped = this.stopContainer(containerId, timeoutS);
    const stream = events;
    const died = stream ? new Promise<void>((resolve) => stream.once('data', () => resolve())) : stopped;
    const exited = Promise.race([died, stopped]).finally(() => abort.abort());
    stopped.catch(() => undefined); // the caller awaits it; a rejection is theirs to see
    return { exited, stopped };
  }

  renameContainer(containerId: string, name: string, signal?: AbortSignal): Promise<void> {
    return this.lifecycle.rename(containerId, name, signal);
  }

  /** Removes a container (never its volumes); a container already gone is fine. */
  removeContainer(containerId: string, signal?: AbortSignal): Promise<void> {
    return this.lifecycle.remove(containerId, signal);
  }
}
