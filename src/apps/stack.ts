import { App, Chart } from 'cdk8s';
import type { Construct } from 'constructs';
import type { StackConfig } from '../config/types.js';
import { Component } from '../lib/component.js';
import { addCertificate } from '../lib/workload.js';
import { EXTERNAL_SECRETS_API_VERSION } from '../secrets/external-secrets.js';

/** Folder (under apps/<namespace>) of the External Secrets SecretStore. */
export const SECRET_STORE_DIR = 'secret-store';
/** CEL: the SecretStore's Ready condition is True (missing status: not yet). */
const SECRET_STORE_READY = "status.conditions.exists(c, c.type == 'Ready' && c.status == 'True')";
import type { StackParts } from './module.js';
import { APP_MODULES } from './registry.js';
import { namespaceOf } from './shared-storage/index.js';

/**
 * The whole media stack as one chart: the registry's modules in phase order (src/apps/registry.ts),
 * each depending on what it needs first (Flux `dependsOn`), then the SecretStore.
 */
export class MediaStack extends Chart {
  /** Every component, in creation (phase) order. */
  readonly components: Component[] = [];

  /** Things the operator must know (e.g. kubelet settings a component needs), for the synth to print. */
  get warnings(): string[] {
    return this.components.flatMap((c) => [...c.warnings]);
  }

  constructor(
    scope: Construct,
    id: string,
    readonly config: StackConfig,
  ) {
    super(scope, id, { disableResourceNameHashes: true });
    const cfg = config;
    const parts: StackParts = {};
    const add = <T extends Component>(c: T): T => {
      this.components.push(c);
      return c;
    };
    for (const module of APP_MODULES) module.build({ scope: this, config: cfg, parts, add });
    const ns = namespaceOf(parts);
    const gatewayTls = gatewayCertificate(this, cfg);
    if (gatewayTls) add(gatewayTls);
    if (cfg.secrets.backend === 'external-secrets') {
      // Its own folder: the SecretStore needs the External Secrets CRDs and the bootstrap Secret,
      // and must not hold up the namespace (and so everything) while those are missing. One per
      // namespace with Secrets (the stack's, and e.g. the Flux namespace of the Flux alerts).
      const namespaces = [...new Set([cfg.namespace, ...this.components.filter((c) => c.secrets.length > 0).map((c) => c.namespace)])];
      const stores = new Map(
        namespaces.map((namespace) => [
          namespace,
          add(
            new Component(this, namespace === cfg.namespace ? 'secret-store' : `secret-store-${namespace}`, {
              dir: `apps/${namespace}/${SECRET_STORE_DIR}`,
              fluxName: `${namespace}-${SECRET_STORE_DIR}`,
              namespace,
              dependsOn: namespace === cfg.namespace ? [ns] : [],
              // The apps with Secrets depend on it: ready only once the store authenticated. kstatus
              // alone counts a store without conditions yet as current, so ask for Ready=True.
              wait: true,
              healthCheckExprs: [{ apiVersion: EXTERNAL_SECRETS_API_VERSION, kind: 'SecretStore', current: SECRET_STORE_READY }],
              description: `the Infisical SecretStore the ExternalSecrets of ${namespace} read`,
            }),
          ),
        ]),
      );
      for (const c of this.components) if (c.secrets.length > 0) c.addDependency(stores.get(c.namespace));
    }
  }
}

/**
 * Mode 'gateway' with `ingress.tls`: TLS ends at the operator's Gateway, so one wildcard
 * Certificate for `*.<domain>` goes next to it (a Gateway listener names Secrets of its own
 * namespace), in a folder of its own that waits for nothing of the stack.
 */
function gatewayCertificate(scope: Construct, cfg: StackConfig): Component | undefined {
  const { enabled, mode, gateway, tls, domain } = cfg.ingress;
  if (!enabled || mode !== 'gateway' || !gateway || !tls) return undefined;
  const component = new Component(scope, 'gateway-certificate', {
    dir: `apps/${cfg.namespace}/gateway-certificate`,
    fluxName: `${cfg.namespace}-gateway-certificate`,
    namespace: gateway.namespace,
    description: `the cert-manager Certificate for *.${domain} that the HTTPS listener of Gateway ${gateway.namespace}/${gateway.name} names`,
  });
  addCertificate(component, {
    name: gatewayCertificateName(cfg),
    namespace: gateway.namespace,
    labels: { 'app.kubernetes.io/part-of': 'media-stack' },
    dnsNames: [`*.${domain}`],
    tls,
  });
  return component;
}

/** The wildcard Certificate of mode 'gateway' (its Secret is `<name>-tls`). */
const gatewayCertificateName = (cfg: StackConfig) => `${cfg.namespace}-wildcard`;

/** Builds the chart for a config (no files are written). */
export function buildStack(config: StackConfig): MediaStack {
  const app = new App({ outdir: '/nonexistent-cdk8s-outdir' });
  return new MediaStack(app, 'media-stack', config);
}
