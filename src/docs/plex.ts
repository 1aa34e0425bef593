import { SERVICELB_TOLERATIONS_ANNOTATION } from '../lib/placement.js';
import type { Facts } from './facts.js';
import { c } from './md.js';
import { INSTANCE_LABEL as INSTANCE } from './model.js';

/** Facts and sections of Plex that more than one page reads. */

/**
 * Plex behind a LoadBalancer Service with `externalTrafficPolicy: Local` on a tainted node: only a
 * node that runs Plex answers, so the load balancer's node agent (k3s ServiceLB's svclb pods,
 * MetalLB's speaker) must run there and tolerate the taint.
 */
export function plexLoadBalancer(f: Facts): { text: string; commands: string[] } | undefined {
  const plex = f.one('plex');
  if (!plex) return undefined;
  const svc = f.v.all('Service').find((x) => x.metadata.namespace === plex.namespace && x.spec.type === 'LoadBalancer' && x.spec.selector?.[INSTANCE] === plex.instance);
  const taints = (plex.pod.tolerations ?? []).filter((t) => t.key && t.effect).map((t) => `${t.key}${t.value ? `=${t.value}` : ''}:${t.effect}`);
  if (svc?.spec.externalTrafficPolicy !== 'Local' || taints.length === 0) return undefined;
  const annotation = SERVICELB_TOLERATIONS_ANNOTATION;
  const has = svc.metadata.annotations?.[annotation];
  const node = plex.placement.hostnames[0] ?? 'the GPU node';
  const toleration = JSON.stringify(
    (plex.pod.tolerations ?? [])
      .filter((t) => t.key && t.effect)
      .map((t) => ({ key: t.key, operator: t.operator ?? 'Equal', ...(t.value ? { value: t.value } : {}), effect: t.effect })),
  );
  return {
    text:
      `${c(`svc/${svc.metadata.name}`)} is a LoadBalancer with ${c('externalTrafficPolicy: Local')}, so only a node that runs the Plex pod (${plex.placement.title}, ${c(plex.placement.constraint)}) answers on its EXTERNAL-IP, and the load balancer's agent must run on that node: k3s ServiceLB's ${c(`svclb-${svc.metadata.name}-…`)} pods, or MetalLB's speaker. The node is tainted ${taints.map(c).join(', ')}, which these agents do not tolerate by default: ServiceLB then publishes no address (EXTERNAL-IP stays ${c('<pending>')}), MetalLB assigns one that no node announces. ` +
      (has
        ? `The Service carries ServiceLB's ${c(annotation)} annotation (${c(has)}), so its svclb pods tolerate it.`
        : `ServiceLB takes extra tolerations from the Service annotation ${c(annotation)} (here ${c(toleration)}), which ${c(`svc/${svc.metadata.name}`)} does not carry yet; with MetalLB give the speaker the toleration (Helm value ${c('speaker.tolerations')}).`),
    commands: [
      `kubectl get svc ${svc.metadata.name} -n ${svc.metadata.namespace}   # EXTERNAL-IP: an address, not <pending>`,
      `curl -fsS http://<EXTERNAL-IP>:${svc.spec.ports[0].port}/identity   # from the LAN: answers`,
      `kubectl get pods -A -o wide | grep svclb   # ServiceLB: a svclb-${svc.metadata.name}-… pod Running on ${node}`,
      `kubectl get pods -A -o wide | grep speaker   # MetalLB: a speaker Running on ${node}`,
    ],
  };
}
