import type { Facts } from './facts.js';
import { c } from './md.js';
import { NAME_LABEL, type ContainerJson, type KindObject, type PodSpecJson, type ProbeJson, type VolumeJson } from './model.js';

/** Readers of pod and CronJob JSON that more than one section shares. */

type Obj = KindObject<'CronJob'>;

/** The pod spec of a CronJob. */
export function cronPod(cj: Obj): PodSpecJson {
  return cj.spec.jobTemplate.spec.template.spec;
}

export function cronJobOf(f: Facts, app: string): Obj | undefined {
  return f.v.all('CronJob').find((o) => o.spec.jobTemplate.spec.template.metadata?.labels?.[NAME_LABEL] === app);
}

/** A volume as the reader finds it: a host path on the node, or a claim. */
export function volumeText(vol: VolumeJson | undefined): string | undefined {
  if (!vol) return undefined;
  if (vol.hostPath) return `host path ${c(vol.hostPath.path)}`;
  if (vol.persistentVolumeClaim) return `PVC ${c(vol.persistentVolumeClaim.claimName)}`;
  if (vol.nfs) return `NFS ${c(`${vol.nfs.server}:${vol.nfs.path}`)}`;
  return undefined;
}

/** Identity of a volume's storage, to find the same storage in two pods. */
export function storageKey(vol: VolumeJson | undefined): string | undefined {
  if (vol?.hostPath) return `host:${vol.hostPath.path}`;
  if (vol?.persistentVolumeClaim) return `pvc:${vol.persistentVolumeClaim.claimName}`;
  return undefined;
}

export function volumeOfMount(pod: PodSpecJson, ctr: ContainerJson, mountPath: string): VolumeJson | undefined {
  const m = ctr.volumeMounts?.find((x) => x.mountPath === mountPath);
  return m ? pod.volumes?.find((v) => v.name === m.name) : undefined;
}

/** The numeric port of a probe's httpGet. */
export function probePort(ctr: ContainerJson, probe: ProbeJson | undefined): number | undefined {
  const port = probe?.httpGet?.port;
  return typeof port === 'number' ? port : ctr.ports?.find((p) => p.name === port)?.containerPort;
}

/** `kubectl create job --from=cronjob/…`, its wait and its logs. */
export function runNow(cj: Obj, ctr: string, timeout: string): string[] {
  const ns = cj.metadata.namespace;
  const job = `${cj.metadata.name}-manual`;
  return [
    `kubectl delete job ${job} -n ${ns} --ignore-not-found   # the previous manual run, if any`,
    `kubectl create job --from=cronjob/${cj.metadata.name} ${job} -n ${ns}`,
    `kubectl wait --for=condition=complete job/${job} -n ${ns} --timeout=${timeout}`,
    `kubectl logs job/${job} -n ${ns} -c ${ctr}`,
  ];
}

export function scheduleText(cj: Obj): string {
  return `${c(cj.spec.schedule)}${cj.spec.timeZone ? ` (${cj.spec.timeZone})` : ' (the time zone of kube-controller-manager)'}`;
}
