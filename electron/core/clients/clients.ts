import type { ChainTestResult, ConnectInfo, ConnectTool } from '../../../shared/clients';
import type { StackPlan } from '../services/gateway-plan';
import { runChainTest } from './chain-test';
import { ClientKeys, type ClientKeysDeps } from './client-keys';
import { buildSnippet, connectInfo } from './snippets';

/** state.json section holding the last test's result (no key in it: the client's name at most). */
export const CHAIN_TEST_SECTION = 'chainTest';
/** The example model of the snippets until a test has listed the gateway's own. */
const EXAMPLE_MODEL = 'claude-sonnet-4';

/** What ClientKeys needs (its origin is derived here from the plan), and what Connect and Test add. */
export interface ClientsDeps extends Omit<ClientKeysDeps, 'origin'> {
  /** The gateway's plan (registers the trust of an https:// gateway for this process's requests). */
  plan: () => Promise<StackPlan>;
  /** Where this process reaches the gateway (the remote engine's host for a remote Docker). */
  probeUrl: (plan: StackPlan) => string;
  /** The local CA's certificate file (for snippets when the gateway serves HTTPS from it). */
  caFile: string;
}

/**
 * The client side of the gateway: Connect (base URL and snippets), Test (the whole chain, on
 * demand), and per-tool client keys. The master key or a client's key is read from the keychain
 * at the moment of use and never leaves this module except through `copyText` (for the guarded
 * clipboard) and `ClientKeys.reveal` (for the explicit copy/print paths).
 */
export class Clients {
  readonly keys: ClientKeys;

  constructor(private readonly deps: ClientsDeps) {
    this.keys = new ClientKeys({
      settings: deps.settings,
      secrets: deps.secrets,
      state: deps.state,
      masterKey: deps.masterKey,
      origin: async () => deps.probeUrl(await deps.plan()),
      now: deps.now,
    });
  }

  /** The key of `client` (a client key) or the master key. */
  private async keyOf(client: string | null): Promise<string> {
    return client === null ? this.deps.masterKey() : this.keys.reveal(client);
  }

  private async snippetBase(): Promise<{ origin: string; caFile: string | null; model: string }> {
    const [plan, settings, last] = await Promise.all([this.deps.plan(), this.deps.settings(), this.lastTest()]);
    return {
      // The URL clients on this machine use (the published address), not a remote engine's.
      origin: plan.url,
      caFile: settings.tls.mode === 'local' ? this.deps.caFile : null,
      model: last?.model ?? last?.models[0] ?? EXAMPLE_MODEL,
    };
  }

  /** Base URL and snippets, the key by reference only. A named client must exist. */
  async connect(options: { client?: string | null; tool?: ConnectTool } = {}): Promise<ConnectInfo> {
    const client = options.client ?? null;
    if (client !== null) await this.keys.reveal(client).then(() => undefined);
    return connectInfo({ ...(await this.snippetBase()), client, tool: options.tool });
  }

  /** A snippet with the key inline: for the guarded clipboard ("Copy with key") only. */
  async snippetWithKey(tool: ConnectTool, client: string | null): Promise<string> {
    const [base, key] = await Promise.all([this.snippetBase(), this.keyOf(client)]);
    return buildSnippet(tool, { baseUrl: `${base.origin}/v1`, origin: base.origin, model: base.model, caFile: base.caFile, key: { kind: 'inline', value: key } }).text;
  }

  /** Runs the test of the whole chain and keeps its result (for the security view's Claude-login check). */
  async test(options: { model?: string | null; client?: string | null; signal?: AbortSignal } = {}): Promise<ChainTestResult> {
    const client = options.client ?? null;
    const [plan, key] = await Promise.all([this.deps.plan(), this.keyOf(client)]);
    const result = await runChainTest({ origin: this.deps.probeUrl(plan), key, client }, { model: options.model ?? null, signal: options.signal, now: this.deps.now });
    await this.deps.state.update<ChainTestResult>(CHAIN_TEST_SECTION, () => result);
    return result;
  }

  /** The last test's result, or null when none ran. */
  async lastTest(): Promise<ChainTestResult | null> {
    return (await this.deps.state.read<ChainTestResult>(CHAIN_TEST_SECTION)) ?? null;
  }
}
