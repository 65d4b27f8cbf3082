import type { ClaudeStatus } from '../../../shared/api';
import { GatehouseError } from '../errors';
import { ACCOUNTS, type SecretStore } from './secret-store';
import { storeAndReadBack } from './read-back';
import { fingerprint } from './master-key';
import { stackLabels } from '../engine/labels';
import type { DockerEngine } from '../engine/types';
import type { StackPlan } from '../services/gateway-plan';

/**
 * The Claude Code OAuth token (`claude setup-token` prints it): kept in the keychain and injected
 * as CLAUDE_CODE_OAUTH_TOKEN when the gateway container is created. The alternative login is the
 * credentials volume mounted at the image's ~/.claude, which `claudeVolumeHasLogin` inspects.
 */

export const CLAUDE_TOKEN_PREFIX = 'sk-ant-oat01-';
// The tail is base64url; real tokens are ~95 characters after the prefix. Demand enough to
// catch a truncated paste without guessing Anthropic's exact length.
const TOKEN_SHAPE = /^sk-ant-oat01-[A-Za-z0-9_-]{32,512}$/;

/** Where the seed image keeps Claude Code's login, and the file a login leaves there. */
export const CLAUDE_CONFIG_DIR = '/home/claude/.claude';
export const CLAUDE_CREDENTIALS_FILE = `${CLAUDE_CONFIG_DIR}/.credentials.json`;

/** Returns the trimmed token, or TOKEN_INVALID saying what is wrong with it (never the token). */
export function validateClaudeToken(input: string): string {
  const token = input.trim();
  if (token.length === 0) {
    throw new GatehouseError('TOKEN_INVALID', 'No Claude token was given.', 'Pipe the token printed by `claude setup-token` into `gatehouse claude set-token`.');
  }
  if (!token.startsWith(CLAUDE_TOKEN_PREFIX)) {
    const looksLikeApiKey = token.startsWith('sk-ant-api');
    throw new GatehouseError(
      'TOKEN_INVALID',
      looksLikeApiKey
        ? 'That is an Anthropic API key (sk-ant-api…), not a Claude Code OAuth token (sk-ant-oat01-…).'
        : `That is not a Claude Code OAuth token: it must start with "${CLAUDE_TOKEN_PREFIX}".`,
      'Run `claude setup-token` on a machine where you are logged in to Claude and paste the token it prints.',
    );
  }
  if (!TOKEN_SHAPE.test(token)) {
    throw new GatehouseError(
      'TOKEN_INVALID',
      `The Claude token has the right prefix but not the shape of a token (${token.length} characters, or characters outside A–Z a–z 0–9 - _); it may be truncated or contain spaces.`,
      'Copy the whole token printed by `claude setup-token` again, on one line.',
    );
  }
  return token;
}

export async function storeClaudeToken(secrets: SecretStore, input: string): Promise<{ fingerprint: string }> {
  const token = validateClaudeToken(input);
  await storeAndReadBack(secrets, ACCOUNTS.claudeToken, token, {
    message: 'The Claude token could not be read back from the keychain after storing it.',
    fix: 'Unlock your login keyring and run `gatehouse claude set-token` again.',
  });
  return { fingerprint: fingerprint(token) };
}

/**
 * Whether the credentials volume holds a Claude login (.credentials.json, non-empty). Looked at
 * through a helper container of the gateway image that is created but never started: Docker
 * serves `docker cp`-style archive requests from a created container with its volumes mounted,
 * so no shell or command has to exist in the image and nothing runs. Returns null when it
 * cannot be told (image not present locally, Docker unreachable); false when the volume does
 * not exist.
 */
export async function claudeVolumeHasLogin(
  engine: DockerEngine,
  options: { image: string; volume: string; labels: Record<string, string> },
): Promise<boolean | null> {
  let helper: string | null = null;
  try {
    if (!(await engine.inspectVolume(options.volume))) return false;
    helper = await engine.createContainer({
      Image: options.image,
      Labels: { ...options.labels, 'io.gatehouse.role': 'inspect-helper' },
      NetworkDisabled: true,
      HostConfig: { Binds: [`${options.volume}:${CLAUDE_CONFIG_DIR}:ro`], NetworkMode: 'none' },
    });
    const stat = await engine.statPath(helper, CLAUDE_CREDENTIALS_FILE);
    return stat !== null && stat.size > 0;
  } catch {
    return null;
  } finally {
    if (helper) await engine.removeContainer(helper).catch(() => undefined);
  }
}

export async function claudeStatus(
  secrets: SecretStore,
  volumeCheck: { volume: string; check: () => Promise<boolean | null> },
): Promise<ClaudeStatus> {
  const tokenStored = (await secrets.get(ACCOUNTS.claudeToken)) !== null;
  return { tokenStored, volumeHasLogin: await volumeCheck.check(), volume: volumeCheck.volume };
}

/** The Claude login as the app and the CLI see it: store a token, tell what login the gateway has. */
export class ClaudeLogin {
  constructor(private readonly deps: { secrets: SecretStore; gateway: { engine: DockerEngine; plan(): Promise<StackPlan> } }) {}

  /** Validates and stores the token; it reaches the gateway at its next (re)create. */
  async setToken(input: string): Promise<ClaudeStatus> {
    await storeClaudeToken(this.deps.secrets, input);
    return this.status();
  }

  async status(): Promise<ClaudeStatus> {
    const plan = await this.deps.gateway.plan();
    return claudeStatus(this.deps.secrets, {
      volume: plan.volumeName,
      check: () => claudeVolumeHasLogin(this.deps.gateway.engine, { image: plan.image, volume: plan.volumeName, labels: stackLabels(plan.stackName, 'credentials') }),
    });
  }
}
