import type { Construct } from 'constructs';
import type { AppFacts } from '../../gates/behaviour-facts.js';
import type { ResourcesConfig, StackConfig } from '../../config/types.js';
import { Component } from '../../lib/component.js';
import type { EnvValue } from '../../lib/pod.js';
import { publishFact } from '../../lib/published-facts.js';
import { addSetupJob } from '../../lib/setup-job.js';
import { defineAppModule } from '../module.js';
import { namespaceOf } from '../shared-storage/index.js';
import type { ArrEndpoint } from './arr.js';
import { SERVARR_SETUP_JOB, SERVARR_UI_PASSWORD_KEY, servarrLoginConfig, servarrLoginOn } from './config.js';
import { arrsOf } from './module.js';

/** The data document of servarr-setup.py: one entry per instance, secrets by env var name. */
export interface ServarrSetupData {
  readonly instances: readonly {
    readonly instance: string;
    /** API base URL, e.g. `http://sonarr.media.svc.cluster.local:8989/api/v3`. */
    readonly api: string;
    /** The env var holding its API key. */
    readonly keyEnv: string;
    /** The env var holding the generated password of its first user. */
    readonly passwordEnv: string;
    readonly username: string;
  }[];
}

/** `sonarr-4k` → `SONARR_4K` (the prefix of the instance's env vars in the job). */
function envPrefix(instance: string): string {
  return instance.toUpperCase().replace(/[^A-Z0-9]/g, '_');
}

export interface ServarrSetupProps {
  /** Every Servarr instance (library managers and Prowlarr), each with its own API key and password. */
  readonly instances: readonly ArrEndpoint[];
  /** The first user's name in each. */
  readonly username: string;
  readonly schedule: string;
  /** Components the job waits for (Flux `dependsOn`): the instances. @default [] */
  readonly dependsOn?: readonly Component[];
  /** Resource overrides of the job's container. @default - the setup jobs' defaults */
  readonly resources?: Partial<ResourcesConfig>;
}

/**
 * The `servarr-setup` CronJob: in each Servarr instance without a user it creates the first one
 * (the config's user name, the password generated into the instance's Secret) through
 * `PUT /api/<v>/config/host/<id>`; an instance that has a user is left alone.
 */
class ServarrSetup extends Component {
  readonly data: ServarrSetupData;

  constructor(scope: Construct, id: string, cfg: StackConfig, props: ServarrSetupProps) {
    super(scope, id, {
      dir: `apps/${cfg.namespace}/${SERVARR_SETUP_JOB}`,
      fluxName: SERVARR_SETUP_JOB,
      namespace: cfg.namespace,
      dependsOn: [...(props.dependsOn ?? [])],
      description: `Servarr setup CronJob (${props.schedule}): creates the first login user ${props.username} of ${props.instances.map((i) => i.instance).join(', ')} while none exists`,
    });
    const env: Record<string, EnvValue> = {};
    this.data = {
      instances: props.instances.map((ep) => {
        const prefix = envPrefix(ep.instance);
        env[`${prefix}_API_KEY`] = ep.apiKey;
        env[`${prefix}_UI_PASSWORD`] = { secret: ep.apiKey.secret, key: SERVARR_UI_PASSWORD_KEY };
        publishFact(this, { kind: 'login', instance: ep.instance, user: props.username, secret: ep.apiKey.secret, key: SERVARR_UI_PASSWORD_KEY, setBy: SERVARR_SETUP_JOB });
        return { instance: ep.instance, api: `${ep.url}/api/${ep.spec.apiVersion}`, keyEnv: `${prefix}_API_KEY`, passwordEnv: `${prefix}_UI_PASSWORD`, username: props.username };
      }),
    };
    addSetupJob(this, cfg, {
      name: SERVARR_SETUP_JOB,
      script: 'src/apps/servarr/servarr-setup.py',
      data: this.data,
      schedule: props.schedule,
      env,
      calls: props.instances.map((ep) => ({ to: { app: ep.kind, instance: ep.instance }, ports: [ep.port], why: 'creates the first login user through the API' })),
      resources: props.resources,
    });
  }
}

/** The job's container writes only its /tmp (python3 with PYTHONDONTWRITEBYTECODE, src/lib/setup-job.ts). */
const SERVARR_SETUP_FACTS: AppFacts = {
  containers: { 'servarr-setup/servarr-setup': { writes: ['/tmp'], source: 'src/apps/servarr/servarr-setup.py (HTTP calls only; setup-job.ts mounts /tmp)' } },
};

/**
 * After every Servarr instance: their first UI user (nothing to do without an instance, with the
 * job off, or behind forward-auth).
 */
export const servarrSetupModule = defineAppModule({
  folder: 'servarr',
  config: servarrLoginConfig,
  facts: SERVARR_SETUP_FACTS,
  build({ scope, config: cfg, parts, add }) {
    const servarr = [...arrsOf(parts), ...(parts.prowlarr ? [parts.prowlarr] : [])];
    if (!servarrLoginOn(cfg) || servarr.length === 0) return;
    const c = cfg.apps.servarrLogin;
    add(
      new ServarrSetup(scope, SERVARR_SETUP_JOB, cfg, {
        instances: servarr.map((a) => a.endpoint),
        username: c.username,
        schedule: c.schedule,
        dependsOn: [namespaceOf(parts), ...servarr],
        resources: c.resources,
      }),
    );
  },
});
