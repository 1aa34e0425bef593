import { describe, expect, it } from 'vitest';
import singleNode from '../../examples/single-node.js';
import { generateDocs } from '../../src/docs/index.js';
import type { StackConfigInput } from '../../src/stack-config.js';
import { docsInputOf } from './input.js';

/**
 * A page that calls an app's route "an Ingress" (or says it has "no Ingress") where the config
 * publishes HTTPRoutes: "Ingress controller" and the lower-case generic "ingress" are not the route.
 */
const INGRESS_AS_ROUTE = /\b(?:no|an|its|the) Ingress\b(?! controller)/g;

/** The second design with every first-login app on and its setup job off: each waits for its opt-in. */
const waiting: StackConfigInput = {
  ...singleNode,
  apps: {
    ...singleNode.apps,
    decypharr: { enabled: true },
    profilarr: { enabled: true, setup: { enabled: false } },
    pulsarr: { enabled: true, setup: { enabled: false } },
  },
};
/** The same apps with their setup jobs on (Pulsarr's paragraph names the opt-in as the way back). */
const withJobs: StackConfigInput = { ...waiting, apps: { ...waiting.apps, profilarr: { enabled: true }, pulsarr: { enabled: true } } };
/** Every UI behind a forward-auth Middleware (a Middleware of the routes' namespace, as mode 'gateway' needs). */
const forwardAuth: StackConfigInput = {
  ...withJobs,
  ingress: { ...singleNode.ingress!, auth: { mode: 'forward-auth', middleware: 'media-authelia@kubernetescrd' } },
};
const GATEWAY_CONFIGS: Record<string, StackConfigInput> = { 'opt-ins waiting': waiting, 'setup jobs on': withJobs, 'forward-auth': forwardAuth };

/** The same config publishing Ingresses: mode 'ingress' with the same domain and TLS. */
function inIngressMode(cfg: StackConfigInput): StackConfigInput {
  const { gateway: _gateway, auth, ...ingress } = cfg.ingress!;
  return { ...cfg, ingress: { ...ingress, mode: 'ingress', auth: auth && { ...auth, middleware: 'media-authelia@kubernetescrd' } } };
}

/** Every match of INGRESS_AS_ROUTE with its page and some text around it, to name in a failure. */
function ingressMentions(cfg: StackConfigInput): string[] {
  return generateDocs(docsInputOf(cfg)).flatMap((page) =>
    [...page.content.matchAll(INGRESS_AS_ROUTE)].map((m) => `${page.path}: …${page.content.slice(Math.max(0, m.index - 60), m.index + 40)}…`),
  );
}

const pagesText = (cfg: StackConfigInput) =>
  generateDocs(docsInputOf(cfg))
    .map((p) => p.content)
    .join('\n');

describe("route wording in mode 'gateway'", () => {
  it.each(Object.entries(GATEWAY_CONFIGS))('%s: no page calls an HTTPRoute an Ingress', (_name, cfg) => {
    expect(docsInputOf(cfg).objects.some((o) => o.object.kind === 'Ingress')).toBe(false);
    expect(ingressMentions(cfg)).toEqual([]);
  });

  it.each(Object.entries(GATEWAY_CONFIGS))('%s: the same config in mode ingress does say Ingress there (the check sees those sentences)', (_name, cfg) => {
    expect(ingressMentions(inIngressMode(cfg)).length).toBeGreaterThan(0);
  });

  it('names the HTTPRoute each first-login app waits for, and the proxy the NetworkPolicy lets through', () => {
    const text = pagesText(waiting);
    for (const sentence of [
      'its page carries its API key, so it has no HTTPRoute yet', // Bazarr
      '(`/auth/setup`), so it has no HTTPRoute yet', // Profilarr
      'is open until one exists), so it has no HTTPRoute yet', // Pulsarr
      'which is why it has no HTTPRoute yet', // qBittorrent
      'before you give it an HTTPRoute, turn the bypass off',
      "everyone coming through the Gateway's proxy, whose pod address is private",
      'so it has no HTTPRoute: open it with', // Decypharr
      "through the Gateway's proxy every client has a private address", // the Servarr logins
    ])
      expect(text).toContain(sentence);
    expect(pagesText(withJobs)).toContain('and its HTTPRoute waits for `apps.pulsarr.ingress: true`');
    expect(pagesText(forwardAuth)).toMatch(/its HTTPRoute \(https:\/\/decypharr\.nas\.lan\) exists only behind the forward-auth Middleware/);
    expect(pagesText(forwardAuth)).toContain("the NetworkPolicies only let the Gateway's proxy and the listed callers reach them");
  });
});
