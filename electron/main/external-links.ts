/**
 * The only places the app opens in the user's browser. Anything else a page asks for is
 * refused: a compromised renderer must not be able to launch arbitrary URLs or protocols
 * (file:, smb:, custom handlers) through shell.openExternal.
 */
const ALLOWED_HOSTS = new Set([
  'docs.litellm.ai',
  'github.com',
  'docs.docker.com',
  'www.docker.com',
  'docs.anthropic.com',
  'docs.claude.com',
  'claude.ai',
]);

export function isAllowedExternalUrl(raw: string, gatewayUrl?: string | null): boolean {
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    return false;
  }
  if (url.username || url.password) return false; // credentials in a URL are a phishing trick
  if (url.protocol === 'https:' && ALLOWED_HOSTS.has(url.hostname)) return true;
  // The user's own gateway (its admin UI lives there): exactly its origin, nothing else local.
  if (gatewayUrl) {
    try {
      return url.origin === new URL(gatewayUrl).origin;
    } catch {
      return false;
    }
  }
  return false;
}
