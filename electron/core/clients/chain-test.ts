import type { ChainTestCause, ChainTestFailure, ChainTestResult } from '../../../shared/clients';
import { gatewayErrorText, gatewayRequest, networkErrorText } from './gateway-http';

/** Where the test goes and with which key (never stored, never in the result). */
export interface ChainTarget {
  /** Base URL without /v1 (what this process reaches the gateway at). */
  origin: string;
  key: string;
  client: string | null;
}

/** The completion is kept tiny: a test spends quota. */
export const TEST_MAX_TOKENS = 5;
const TEST_PROMPT = 'Reply with the single word: ready';

const CAUSES: Record<ChainTestCause, { plain: string; fix: string }> = {
  'no-claude-login': {
    plain: 'The gateway has no Claude login, so it cannot reach Claude: every model call fails while the gateway itself looks healthy.',
    fix: 'Make a token with `claude setup-token`, store it with `gatehouse claude set-token`, then `gatehouse restart`.',
  },
  'claude-login-expired': {
    plain: "The gateway's Claude login has expired, so Claude refuses its calls.",
    fix: 'Make a new token with `claude setup-token`, store it with `gatehouse claude set-token`, then `gatehouse restart`.',
  },
  'model-unknown': {
    plain: 'The gateway does not serve that model name.',
    fix: 'Pick one of the models the test listed: `gatehouse test --model NAME`.',
  },
  'model-not-allowed': {
    plain: 'This client key may not use that model.',
    fix: 'Use one of the models the key lists (`gatehouse clients list`), or make a key without a model limit.',
  },
  'rate-limited': {
    plain: 'Claude (or the gateway) is rate-limiting: too many requests or tokens in a short time.',
    fix: 'Wait a minute and test again; if it persists, your Claude plan\'s limit is reached for now.',
  },
  'budget-exceeded': {
    plain: "This client key has spent its budget.",
    fix: 'Make a new key with a larger budget (`gatehouse clients revoke NAME`, then `gatehouse clients add NAME --budget USD`).',
  },
  'key-refused': {
    plain: 'The gateway refused the key: it does not know it (revoked, or the gateway runs with another master key).',
    fix: 'For the master key: `gatehouse restart` so the gateway uses the keychain\'s key. For a client key: `gatehouse clients list`, and `gatehouse clients rotate NAME` if it is gone.',
  },
  'key-expired': {
    plain: 'This client key has expired.',
    fix: 'Give the client a new key: `gatehouse clients rotate NAME` (or revoke it and add it again with a longer --expires).',
  },
  'no-models': {
    plain: 'The gateway lists no model for this key, so there is nothing to test.',
    fix: 'Check the gateway\'s model list (`gatehouse logs`) or the key\'s model limit (`gatehouse clients list`).',
  },
  'gateway-unreachable': {
    plain: 'The gateway did not answer.',
    fix: 'Start it with `gatehouse start` and read `gatehouse status`.',
  },
  'gateway-error': {
    plain: 'The gateway answered with an error it gives no clear cause for.',
    fix: 'Read the gateway\'s log around this time: `gatehouse logs --since 5m`.',
  },
};

/**
 * What a failed answer means, from its status and LiteLLM's error text. The Claude login is
 * judged from the provider's words (Claude Code's "Please run /login", "OAuth token has
 * expired"), because LiteLLM passes them through with a status that varies by version.
 */
export function classifyFailure(step: 'models' | 'completion', status: number | null, text: string): ChainTestCause {
  if (status === null) return 'gateway-unreachable';
  if (/expired key/i.test(text)) return 'key-expired';
  if (/oauth token has expired|token (has )?expired|refresh your existing token|login (has )?expired/i.test(text)) return 'claude-login-expired';
  if (/please run \/login|not logged in|invalid api key|no (claude )?(login|credentials)|credentials? (file )?not found|could not resolve authentication/i.test(text)) return 'no-claude-login';
  if (/budget has been exceeded|budget_exceeded|exceeded budget/i.test(text)) return 'budget-exceeded';
  if (/not allowed to access model|key_model_access_denied/i.test(text)) return 'model-not-allowed';
  if (/invalid model name|model.*(not found|does not exist)|no deployments? (available )?for/i.test(text)) return 'model-unknown';
  if (status === 429 || /rate ?limit/i.test(text)) return 'rate-limited';
  if (status === 401 || status === 403) return 'key-refused';
  if (step === 'models' && status === 200) return 'no-models';
  return 'gateway-error';
}

export function failure(cause: ChainTestCause, gatewayText: string): ChainTestFailure {
  return { cause, ...CAUSES[cause], gatewayText };
}

function modelIds(json: unknown): string[] {
  const data = (json as { data?: unknown })?.data;
  if (!Array.isArray(data)) return [];
  return data.map((m) => (m as { id?: unknown })?.id).filter((id): id is string => typeof id === 'string');
}

function answerText(json: unknown): string | null {
  const choice = (json as { choices?: { message?: { content?: unknown } }[] })?.choices?.[0];
  const content = choice?.message?.content;
  return typeof content === 'string' ? content.slice(0, 500) : null;
}

/**
 * The whole chain, on demand: `/v1/models` with the key, then one chat completion of at most
 * TEST_MAX_TOKENS tokens to the chosen model (or the first listed). Never throws for a gateway
 * answer: a failure is a result with its cause and fix.
 */
export async function runChainTest(
  target: ChainTarget,
  options: { model?: string | null; signal?: AbortSignal; timeoutMs?: number; now?: () => Date; clock?: () => number } = {},
): Promise<ChainTestResult> {
  const now = options.now ?? (() => new Date());
  const clock = options.clock ?? (() => performance.now());
  const base: ChainTestResult = {
    ok: false,
    at: now().toISOString(),
    baseUrl: `${target.origin}/v1`,
    client: target.client,
    models: [],
    model: null,
    latencyMs: null,
    answer: null,
    failedStep: null,
    status: null,
    error: null,
  };
  const fail = (step: 'models' | 'completion', status: number | null, text: string): ChainTestResult => ({
    ...base,
    failedStep: step,
    status,
    error: failure(classifyFailure(step, status, text), text),
  });

  let listed;
  try {
    listed = await gatewayRequest(`${target.origin}/v1/models`, { key: target.key, signal: options.signal, timeoutMs: options.timeoutMs ?? 10_000 });
  } catch (err) {
    return fail('models', null, networkErrorText(err));
  }
  if (listed.status !== 200) return fail('models', listed.status, gatewayErrorText(listed));
  base.models = modelIds(listed.json);
  const model = options.model ?? base.models[0] ?? null;
  if (model === null) return fail('models', 200, 'the model list is empty');
  base.model = model;

  const started = clock();
  let done;
  try {
    done = await gatewayRequest(`${target.origin}/v1/chat/completions`, {
      method: 'POST',
      key: target.key,
      body: { model, messages: [{ role: 'user', content: TEST_PROMPT }], max_tokens: TEST_MAX_TOKENS },
      signal: options.signal,
      // A cold model call can take a while; the test is on demand, so the user waits for it.
      timeoutMs: options.timeoutMs ?? 60_000,
    });
  } catch (err) {
    return fail('completion', null, networkErrorText(err));
  }
  const latencyMs = Math.round(clock() - started);
  if (done.status !== 200) return { ...fail('completion', done.status, gatewayErrorText(done)), latencyMs };
  return { ...base, ok: true, latencyMs, answer: answerText(done.json) ?? '' };
}
