/**
 * Types and names of the client side of the gateway, seen by the core, the CLI and the window:
 * connect snippets, the end-to-end test, and per-tool client keys (LiteLLM virtual keys). No
 * runtime dependencies (the preload and the renderer import it). None of these types ever holds
 * a key: snippets name it by reference, client keys are described by fingerprint.
 */

/** The tools `gatehouse connect --for TOOL` has a snippet for, in the order they are shown. */
export const CONNECT_TOOLS = ['shell', 'curl', 'python', 'node', 'open-webui', 'anthropic'] as const;
export type ConnectTool = (typeof CONNECT_TOOLS)[number];

export interface ConnectSnippet {
  tool: ConnectTool;
  title: string;
  language: 'sh' | 'python' | 'javascript';
  /** The snippet with the key as a reference (`$(gatehouse key print)` / an environment variable), never inline. */
  text: string;
  /** One line on where it goes or what it needs; null when nothing. */
  note: string | null;
}

export interface ConnectInfo {
  /** OpenAI-style base URL, ending in /v1. */
  baseUrl: string;
  /** Anthropic-style base URL (no /v1: Anthropic clients add /v1/messages themselves). */
  anthropicBaseUrl: string;
  /** The client key the snippets use, or null for the master key. */
  client: string | null;
  /** The shell expression that prints the key the snippets use. */
  keyReference: string;
  /** The CA certificate clients must trust when the gateway serves HTTPS from Gatehouse's local CA. */
  caFile: string | null;
  snippets: ConnectSnippet[];
}

/** Why a test of the whole chain failed, in terms a user can act on. */
export type ChainTestCause =
  | 'no-claude-login'
  | 'claude-login-expired'
  | 'model-unknown'
  | 'model-not-allowed'
  | 'rate-limited'
  | 'budget-exceeded'
  | 'key-refused'
  | 'key-expired'
  | 'no-models'
  | 'gateway-unreachable'
  | 'gateway-error';

export interface ChainTestFailure {
  cause: ChainTestCause;
  /** The cause in plain words. */
  plain: string;
  fix: string;
  /** LiteLLM's own error text (keys and key hashes removed), or the network error. */
  gatewayText: string;
}

export interface ChainTestResult {
  ok: boolean;
  /** When the test ran (ISO). */
  at: string;
  baseUrl: string;
  /** The client key used, or null for the master key. */
  client: string | null;
  /** What `/v1/models` listed for the key (empty when that step failed). */
  models: string[];
  /** The model the completion went to; null when the test stopped before. */
  model: string | null;
  /** Round trip of the chat completion, in ms. */
  latencyMs: number | null;
  /** The model's answer (a few tokens). */
  answer: string | null;
  /** The step that failed: listing models or the completion. */
  failedStep: 'models' | 'completion' | null;
  /** HTTP status of the failed step; null when there was no answer. */
  status: number | null;
  error: ChainTestFailure | null;
}

/** A client key as Gatehouse shows it: alias and numbers from LiteLLM, the key only by fingerprint. */
export interface ClientKeyInfo {
  name: string;
  /** sha256:… of the key in the keychain; null when the keychain has no key for this client. */
  fingerprint: string | null;
  /** Whether LiteLLM still knows the key (false: deleted outside Gatehouse). */
  inGateway: boolean;
  createdAt: string | null;
  /** When the key stops working (ISO); null: never. */
  expires: string | null;
  /** Budget in USD; null: none. */
  maxBudget: number | null;
  /** Spend in USD so far, as LiteLLM counts it. */
  spend: number | null;
  /** Models the key may use; empty: all. */
  models: string[];
}

export interface ClientKeyOptions {
  models?: string[];
  /** USD. */
  budget?: number;
  /** LiteLLM duration: 30d, 12h, 90m, 45s. */
  expires?: string;
}

/** Client names: what `gatehouse clients add NAME` accepts (also the keychain account's suffix and the key alias). */
export const CLIENT_NAME_PATTERN = /^[A-Za-z0-9][A-Za-z0-9._-]{0,62}$/;
/** LiteLLM's duration grammar for --expires. */
export const CLIENT_EXPIRES_PATTERN = /^\d{1,6}(s|m|h|d|w|mo)$/;
