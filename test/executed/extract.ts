/**
 * Every script the synthesized manifests embed, found by walking the objects (not by knowing the
 * apps): shell commands of containers and init containers (`sh -c …`, or `sh <file>` with the file
 * from a mounted ConfigMap), exec probes and lifecycle hooks, and ConfigMap entries that look like
 * scripts. The runners in runners.ts are keyed on what is found here.
 */
import { podTemplates, type PodTemplate } from '../../src/gates/pod-specs.js';
import type { KubeObject } from '../../src/output/model.js';
import { shellOf, type ImageShell } from './image-shells.js';

const SHELL_NAMES = new Set(['sh', 'ash', 'bash', 'dash']);
const EXEC_HOOKS = ['startupProbe', 'readinessProbe', 'livenessProbe', 'lifecycle.postStart', 'lifecycle.preStop'] as const;

export interface EmbeddedScript {
  /** Unique and readable: `<example> <Kind>/<name> <container> <where>`. */
  readonly id: string;
  readonly example: string;
  readonly objects: readonly KubeObject[];
  readonly owner: KubeObject;
  readonly pod: PodTemplate;
  /** Undefined for a ConfigMap script that no container runs. */
  readonly container?: any;
  readonly image?: string;
  /** `command` (the container's own command/args) or the hook/probe. */
  readonly where: 'command' | (typeof EXEC_HOOKS)[number] | 'configmap';
  /** The argv as the kubelet or runtime starts it. */
  readonly argv: readonly string[];
  /** The script text when argv[0] is a shell (inline `-c` text or the mounted file's content). */
  readonly text?: string;
  /** The shell it runs in, from the image (undefined: a shell this table does not know). */
  readonly shell?: ImageShell;
  /** Set when the script is a file from a ConfigMap. */
  readonly file?: { readonly configMap: string; readonly key: string; readonly path: string };
  /** Why this entry could not be read completely (the coverage test reports it). */
  readonly problem?: string;
}

function at(x: any, path: string): any {
  return path.split('.').reduce((o, k) => (o == null ? undefined : o[k]), x);
}

/** The ConfigMap key behind a file path inside the container, via its mounts. */
export function configMapFile(objects: readonly KubeObject[], pod: any, container: any, path: string): (EmbeddedScript['file'] & { text?: string }) | undefined {
  for (const m of container.volumeMounts ?? []) {
    const prefix = `${m.mountPath.replace(/\/$/, '')}/`;
    if (!path.startsWith(prefix)) continue;
    const vol = (pod.volumes ?? []).find((v: any) => v.name === m.name);
    if (!vol?.configMap) continue;
    const rel = m.subPath ?? path.slice(prefix.length);
    const key = vol.configMap.items?.find((i: any) => i.path === rel)?.key ?? rel;
    const cm: any = objects.find((o) => o.kind === 'ConfigMap' && o.metadata.name === vol.configMap.name);
    return { configMap: vol.configMap.name, key, path, text: cm?.data?.[key] };
  }
  return undefined;
}

/** Looks like a script: a shebang, or a shell file name. */
function looksLikeScript(key: string, value: string): boolean {
  return /\.(sh|bash|ash)$/.test(key) || value.startsWith('#!');
}

export function extractScripts(example: string, objects: readonly KubeObject[]): EmbeddedScript[] {
  const out: EmbeddedScript[] = [];
  const usedFiles = new Set<string>();
  for (const pod of podTemplates(objects)) {
    const owner = pod.object;
    for (const container of [...(pod.spec.initContainers ?? []), ...pod.spec.containers]) {
      const base = { example, objects, owner, pod, container, image: container.image! };
      const label = (where: string) => `${example} ${owner.kind}/${owner.metadata.name} ${container.name} ${where}`;
      const entry = (where: EmbeddedScript['where'], argv: string[], ownCommand: boolean) => {
        const program = argv[0] ?? '';
        const name = program.split('/').pop()!;
        if (!SHELL_NAMES.has(name)) {
          // The image's entrypoint gets args: a multi-line or `-c` argument is a script we cannot attribute.
          const hidden = ownCommand && container.command === undefined && argv.some((a) => a === '-c' || a.includes('\n'));
          if (where === 'command' && !hidden) return;
          out.push({ ...base, id: label(where), where, argv, ...(hidden ? { problem: 'args that look like a script for the image entrypoint' } : {}) });
          return;
        }
        const shell = shellOf(container.image ?? '', program);
        const problem = shell ? undefined : `no shell known for \`${program}\` in ${container.image} (add it to test/executed/image-shells.ts with its source)`;
        if (argv[1] === '-c' && typeof argv[2] === 'string') {
          out.push({ ...base, id: label(where), where, argv, text: argv[2], shell, ...(problem ? { problem } : {}) });
        } else if (argv[1]?.startsWith('/')) {
          const f = configMapFile(objects, pod.spec, container, argv[1]);
          if (f) usedFiles.add(`${f.configMap}/${f.key}`);
          const missing = !f?.text ? `script file ${argv[1]} is not a mounted ConfigMap entry` : undefined;
          out.push({
            ...base,
            id: label(where),
            where,
            argv,
            text: f?.text,
            shell,
            ...(f ? { file: { configMap: f.configMap, key: f.key, path: f.path } } : {}),
            ...((problem ?? missing) ? { problem: problem ?? missing } : {}),
          });
        } else {
          out.push({ ...base, id: label(where), where, argv, shell, problem: problem ?? `shell invocation not understood: ${JSON.stringify(argv.slice(0, 2))}` });
        }
      };
      const argv = [...(container.command ?? []), ...(container.args ?? [])];
      if (argv.length > 0) entry('command', argv, true);
      for (const hook of EXEC_HOOKS) {
        const cmd = at(container, hook)?.exec?.command;
        if (Array.isArray(cmd)) entry(hook, cmd, false);
      }
    }
  }
  for (const cm of objects.filter((o) => o.kind === 'ConfigMap')) {
    for (const [key, value] of Object.entries(((cm as any).data ?? {}) as Record<string, string>)) {
      if (!looksLikeScript(key, value) || usedFiles.has(`${cm.metadata.name}/${key}`)) continue;
      out.push({
        id: `${example} ConfigMap/${cm.metadata.name} ${key}`,
        example,
        objects,
        owner: cm,
        pod: undefined as never,
        where: 'configmap',
        argv: [],
        text: value,
        problem: 'a script in a ConfigMap that no container runs (so its shell is unknown)',
      });
    }
  }
  return out;
}
