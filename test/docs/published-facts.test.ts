import { Chart, Testing } from 'cdk8s';
import { describe, expect, it } from 'vitest';
import type { StackConfigInput } from '../../src/config/index.js';
import { envValue, INSTANCE_LABEL, StackView, type ContainerJson, type PodSpecJson } from '../../src/docs/model.js';
import { publishedFacts, publishFact, type PublishedFact } from '../../src/lib/published-facts.js';
import singleNode from '../../examples/single-node.js';
import { docsInputOf } from './input.js';
import { notificationFlagLabel } from '../../src/apps/arr-wiring/facts.js';

/**
 * The docs read what the components publish instead of parsing env names and scripts, so every
 * published fact must be true of the objects the same component synthesized.
 */

function factsAndView(cfg: StackConfigInput): { facts: PublishedFact[]; view: StackView } {
  const input = docsInputOf(cfg);
  return { facts: input.stack.components.flatMap((x) => [...publishedFacts(x)]), view: new StackView(input) };
}

const script = (ctr: ContainerJson | undefined) => (ctr?.command ?? []).join('\n');

/** The pod an instance runs: its workload's, or its CronJob's (Configarr runs as Jobs). */
function podOf(view: StackView, instance: string): PodSpecJson | undefined {
  const w = view.workload(instance);
  if (w) return w.pod;
  const cj = view.all('CronJob').find((o) => o.spec.jobTemplate.spec.template.metadata?.labels?.[INSTANCE_LABEL] === instance);
  return cj?.spec.jobTemplate.spec.template.spec;
}

/** A setup job's container env and data document (addSetupJob: ConfigMap `<name>-script`, key `<name>.json`). */
function setupJobOf(view: StackView, name: string): { env: NonNullable<ContainerJson['env']>; data: any } | undefined {
  const cj = view.all('CronJob').find((o) => o.metadata.name === name);
  const cm = view.all('ConfigMap').find((o) => o.metadata.name === `${name}-script`);
  const text = (cm as { data?: Record<string, string> } | undefined)?.data?.[`${name}.json`];
  if (!cj || !text) return undefined;
  return { env: (cj.spec.jobTemplate.spec.template.spec.containers as ContainerJson[])[0]!.env ?? [], data: JSON.parse(text) };
}

const CONFIGS: Record<string, StackConfigInput> = {
  default: {},
  'examples/single-node.ts': singleNode,
  'Decypharr with usenet': { apps: { decypharr: { usenet: true } } },
  'Configarr on Longhorn': { apps: { configarr: { enabled: true } } },
};

describe.each(Object.entries(CONFIGS))('published facts agree with the objects (%s)', (_name, cfg) => {
  const { facts, view } = factsAndView(cfg);

  it('are published for every deployed Arr, and only for deployed workloads', () => {
    const arrs = [...view.workloadsOfApp('sonarr'), ...view.workloadsOfApp('radarr'), ...view.workloadsOfApp('lidarr'), ...view.workloadsOfApp('prowlarr')];
    expect(arrs.length).toBeGreaterThan(0);
    const apiKeys = facts.filter((f) => f.kind === 'secret-input' && f.purpose === 'api-key').map((f) => f.instance);
    expect(apiKeys.sort()).toEqual(arrs.map((w) => w.instance).sort());
    for (const f of facts) expect(podOf(view, f.instance), `${f.kind} of ${f.instance}`).toBeDefined();
  });

  it('each fact is what the workload really does', () => {
    for (const f of facts) {
      const pod = podOf(view, f.instance)!;
      const containers = [...(pod.initContainers ?? []), ...pod.containers];
      const w = view.workload(f.instance)!;
      switch (f.kind) {
        case 'secret-input': {
          const env = containers.flatMap((x) => x.env ?? []).find((e) => e.name === f.env);
          expect(env?.valueFrom?.secretKeyRef, `${f.instance} ${f.env}`).toMatchObject({ name: f.secret, key: f.key });
          break;
        }
        case 'database': {
          const env = w.pod.containers.flatMap((x) => x.env ?? []).find((e) => e.name === f.env);
          expect(env?.value, `${f.instance} ${f.env}`).toBe(f.mainDatabase);
          const names = w.pod.containers.flatMap((x) => x.env ?? []).map((e) => e.value);
          expect(names).toContain(f.logDatabase);
          expect(names).toContain(f.role);
          break;
        }
        case 'dfs-wait': {
          const text = script(w.pod.initContainers?.find((x) => x.name === f.container));
          expect(text).toContain(`until ${f.condition}; do`);
          expect(text).toContain(`echo "${f.waiting}"`);
          expect(text).toContain(`echo "${f.ready}"`);
          expect(text).toContain(`echo "${f.timeout}" >&2`);
          break;
        }
        case 'login': {
          // A setup job creates the account: its container reads the password, its data names the user.
          const job = view.all('CronJob').find((o) => o.metadata.name === f.setBy);
          if (job) {
            const ctr = job.spec.jobTemplate.spec.template.spec.containers[0]!;
            expect(
              ctr.env?.some((e) => e.valueFrom?.secretKeyRef?.name === f.secret && e.valueFrom.secretKeyRef.key === f.key),
              f.user,
            ).toBe(true);
            expect(view.all('ConfigMap').find((o) => o.metadata.name === `${f.setBy}-script`)?.data?.[`${f.setBy}.json`]).toContain(`"${f.user}"`);
            break;
          }
          const init = w.pod.initContainers?.find((x) => x.name === f.setBy);
          expect(
            init?.env?.some((e) => e.valueFrom?.secretKeyRef?.name === f.secret && e.valueFrom.secretKeyRef.key === f.key),
            f.user,
          ).toBe(true);
          expect(script(init)).toContain(`'${f.user}'`);
          break;
        }
        case 'seeded-setting': {
          const text = script(w.pod.initContainers?.find((x) => x.name === f.container));
          expect(text).toContain(`${f.setting.split('/').slice(1).join('\\')}=${f.value}`);
          break;
        }
        case 'privilege-drop': {
          // The container runs as root and its entrypoint drops to PUID:PGID with su-exec.
          const ctr = containers.find((x) => x.name === f.container);
          expect(ctr?.securityContext?.runAsUser, `${f.instance} ${f.container}`).toBe(0);
          expect(f.command).toBe(`su-exec ${envValue(ctr, 'PUID')}:${envValue(ctr, 'PGID')}`);
          break;
        }
        case 'cache-directory': {
          const ctr = containers.find((x) => x.name === f.container);
          expect(
            ctr?.volumeMounts?.map((m) => m.mountPath),
            `${f.instance} ${f.container}`,
          ).toContain(f.path);
          break;
        }
        case 'config-claim': {
          expect(view.find('PersistentVolumeClaim', f.claim, view.namespace), f.claim).toBeDefined();
          expect(
            pod.volumes?.some((x) => x.persistentVolumeClaim?.claimName === f.claim),
            `${f.instance} mounts ${f.claim}`,
          ).toBe(true);
          break;
        }
        case 'setup-step': {
          const job = setupJobOf(view, f.job);
          expect(job, f.job).toBeDefined();
          // What the step adds is named in the job's data (the user or the instances).
          for (const item of f.items) expect(JSON.stringify(job!.data), `${f.job} ${f.adds}`).toContain(`"${item}"`);
          break;
        }
        case 'backup': {
          const cj = view.find('CronJob', f.cronJob, w.namespace);
          const ctr = (cj?.spec.jobTemplate.spec.template.spec.containers as ContainerJson[] | undefined)?.find((x) => x.name === f.container);
          expect(ctr?.volumeMounts?.map((m) => m.mountPath)).toContain(f.directory);
          expect(script(ctr)).toContain(`${f.directory}/pg_dumpall-`);
          break;
        }
        case 'notification': {
          // The wiring job reads the address from that key and ships a connection of that name to the Arr, with those flags.
          const cj = view.find('CronJob', f.setBy, w.namespace);
          const env = (cj?.spec.jobTemplate.spec.template.spec.containers as ContainerJson[] | undefined)?.flatMap((x) => x.env ?? []);
          expect(
            env?.some((e) => e.valueFrom?.secretKeyRef?.name === f.secret && e.valueFrom.secretKeyRef.key === f.key),
            `${f.setBy} reads ${f.secret}/${f.key}`,
          ).toBe(true);
          const cm = view.all('ConfigMap').find((o) => o.metadata.name === `${f.setBy}-script`) as { data?: Record<string, string> } | undefined;
          const app = (JSON.parse(cm?.data?.['arr-wiring.json'] ?? '{"apps":[]}') as { apps: { instance: string; collections: { entries: { body: string }[] }[] }[] }).apps.find(
            (a) => a.instance === f.instance,
          );
          const body = app?.collections
            .flatMap((c) => c.entries)
            .map((e) => JSON.parse(e.body) as Record<string, unknown>)
            .find((b) => b.name === f.name);
          expect(body?.implementation, `${f.instance} ${f.name}`).toBe(f.target);
          const flags = Object.keys(body ?? {}).filter((k) => /^on[A-Z]/.test(k) && body![k] === true);
          expect(flags.map(notificationFlagLabel)).toEqual(f.events);
          break;
        }
        case 'config-backup': {
          const cj = view.find('CronJob', f.cronJob, w.namespace);
          const ctr = (cj?.spec.jobTemplate.spec.template.spec.containers as ContainerJson[] | undefined)?.find((x) => x.name === f.container);
          expect(ctr?.volumeMounts?.map((m) => m.mountPath)).toContain(f.mount);
          expect(f.directory.startsWith(`${f.mount}/`)).toBe(true);
          expect([...(ctr?.command ?? []), ...(ctr?.args ?? [])].join(' ')).toContain(f.directory);
          break;
        }
      }
    }
  });
});

describe('the second design publishes its logins, databases and backup', () => {
  const { facts } = factsAndView(singleNode);
  it('one login per Samba user, a database per Postgres app, the backup job', () => {
    expect(facts.flatMap((f) => (f.kind === 'login' && f.setBy === 'render-users' ? [f.user] : []))).toEqual(singleNode.apps!.samba!.users);
    expect(
      facts
        .filter((f) => f.kind === 'database')
        .map((f) => f.instance)
        .sort(),
    ).toEqual([...singleNode.apps!.postgres!.apps!].sort());
    expect(facts.filter((f) => f.kind === 'backup').map((f) => f.instance)).toEqual(['postgres']);
  });
});

describe('the facts the runbooks read instead of images, mount names and claim names', () => {
  it('Decypharr drops privileges, Configarr caches its clones, every Longhorn app has its config claim', () => {
    const kinds = (cfg: StackConfigInput) => factsAndView(cfg).facts.map((f) => `${f.kind} ${f.instance}`);
    const longhorn = kinds(CONFIGS['Configarr on Longhorn']!);
    expect(longhorn).toEqual(
      expect.arrayContaining(['privilege-drop decypharr', 'cache-directory configarr', 'config-claim configarr', 'config-claim sonarr', 'config-claim plex']),
    );
    // Host paths: no claims, so no config-claim facts.
    expect(kinds(singleNode).filter((k) => k.startsWith('config-claim'))).toEqual([]);
  });
});

describe('publishFact', () => {
  it('refuses a scope outside a Component, naming the fact and the path', () => {
    const chart = new Chart(Testing.app(), 'c');
    expect(() => publishFact(chart, { kind: 'login', instance: 'samba', user: 'media', secret: 's', key: 'k', setBy: 'x' })).toThrow(
      /c is not inside a Component, so the fact 'login' of samba has no owner/,
    );
  });
});
