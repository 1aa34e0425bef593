/**
 * The HTTP client each image ships, so a check can ask an app's API from inside its own container
 * (`kubectl exec … curl http://localhost:<port>…`): no port-forward, and no NetworkPolicy in the
 * way. Images not listed get no API check (their pods' readiness probe still counts).
 * Sources: docs/app-facts-verified.md, "Verify: HTTP clients in the images".
 */
const HTTP_CLIENT_OF_IMAGE: Readonly<Record<string, 'curl'>> = {
  'ghcr.io/home-operations/sonarr': 'curl',
  'ghcr.io/home-operations/radarr': 'curl',
  'ghcr.io/home-operations/prowlarr': 'curl',
  'lscr.io/linuxserver/plex': 'curl',
  'ghcr.io/pabloromeo/clusterplex_orchestrator': 'curl',
};

/** Images with jq, to keep only harmless fields of an API answer inside the pod. */
const HAS_JQ: ReadonlySet<string> = new Set(['ghcr.io/home-operations/sonarr', 'ghcr.io/home-operations/radarr', 'ghcr.io/home-operations/prowlarr', 'lscr.io/linuxserver/plex']);

export function hasJq(image: string): boolean {
  return HAS_JQ.has(imageRepository(image));
}

/** The image reference without tag and digest. */
function imageRepository(image: string): string {
  return image.replace(/@sha256:[0-9a-f]+$/, '').replace(/:[^/:]+$/, '');
}

/** argv (in the container) that prints the body of `url` and fails on an HTTP error, if the image has a client. */
export function httpGetArgv(image: string, url: string, headers: readonly string[] = []): string[] | undefined {
  const client = HTTP_CLIENT_OF_IMAGE[imageRepository(image)];
  if (client !== 'curl') return undefined;
  return ['curl', '-fsS', '--max-time', '10', ...headers.flatMap((h) => ['-H', h]), url];
}
