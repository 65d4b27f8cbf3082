/**
 * The only places the app opens in the user's browser. Anything else a page asks for is
 * refused: a compromised renderer must not be able to launch arbitrary URLs or protocols
 * (file:, smb:, custom handlers) through shell.openExternal, nor any page of a big host
 * (github.com carries anyone's content), so each host lists the paths it may open.
 *
 * What is checked is what is opened: the URL is parsed once and its normalised `href` (dot
 * segments resolved, backslashes turned into slashes, host lower-cased) is both the thing the
 * allow-list judges and the string handed to shell.openExternal. The raw text never reaches the
 * OS, whose URL parser may read it differently from WHATWG's.
 */

/** Host → allowed path prefixes (a prefix matches itself and everything below it, whole segments only). */
const ALLOWED: ReadonlyMap<string, readonly string[]> = new Map([
  ['docs.litellm.ai', ['/docs', '/release_notes']],
  ['github.com', ['/BerriAI/litellm']],
  ['docs.docker.com', ['/']],
  ['www.docker.com', ['/products/docker-desktop']],
  ['docs.anthropic.com', ['/']],
  ['docs.claude.com', ['/']],
]);

/** The user's own gateway: LiteLLM's admin UI and its API reference, nothing else there. */
const GATEWAY_PATHS: readonly string[] = ['/ui', '/docs', '/redoc'];

function underPrefix(pathname: string, prefix: string): boolean {
  if (prefix === '/') return true;
  return pathname === prefix || pathname.startsWith(`${prefix}/`);
}

function parse(raw: string): URL | null {
  try {
    return new URL(raw);
  } catch {
    return null;
  }
}

/**
 * The exact string to hand to shell.openExternal for `raw`, or null when it is not allowed.
 * `gatewayUrl` (e.g. http://127.0.0.1:4000) adds the gateway's own origin with GATEWAY_PATHS.
 */
export function externalUrlToOpen(raw: string, gatewayUrl?: string | null): string | null {
  const url = parse(raw);
  if (!url) return null;
  if (url.username || url.password) return null; // credentials in a URL are a phishing trick
  if (url.protocol === 'https:' && url.port === '') {
    const prefixes = ALLOWED.get(url.hostname);
    if (prefixes?.some((p) => underPrefix(url.pathname, p))) return url.href;
  }
  const gateway = gatewayUrl ? parse(gatewayUrl) : null;
  if (gateway && (gateway.protocol === 'http:' || gateway.protocol === 'https:') && url.origin === gateway.origin) {
    if (GATEWAY_PATHS.some((p) => underPrefix(url.pathname, p))) return url.href;
  }
  return null;
}

export function isAllowedExternalUrl(raw: string, gatewayUrl?: string | null): boolean {
  return externalUrlToOpen(raw, gatewayUrl) !== null;
}
