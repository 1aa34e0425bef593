import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { GLUETUN_HEALTH_PORT } from '../../src/apps/qbittorrent/facts.js';
import { KILL_SWITCH_POLICY, PROTONWIRE_SYSCTLS, QBT_CONFIG_FILE, QBT_DEFAULTS_FILE, seedConfigScript } from '../../src/apps/qbittorrent/qbittorrent.js';
import { containerOf, envOf, objectsOf, podOf } from '../helpers.js';
import { StackView } from '../../src/docs/model.js';
import { docWarnings } from '../../src/docs/warnings.js';
import { docsInputOf } from '../docs/input.js';

const ENDPOINT = '203.0.113.10/32';
const SERVER = 'node-nl-05.protonvpn.net';
const ON = { apps: { qbittorrent: { enabled: true, vpn: { endpointCidrs: [ENDPOINT], serverHostnames: [SERVER] } } } } as const;
const QBT = { 'app.kubernetes.io/name': 'qbittorrent', 'app.kubernetes.io/instance': 'qbittorrent' };

/** Every NetworkPolicy that selects the qBittorrent pod. */
function policiesFor(objects: any[], labels: Record<string, string>): any[] {
  return objects.filter((o) => o.kind === 'NetworkPolicy' && Object.entries(o.spec.podSelector.matchLabels ?? {}).every(([k, v]) => labels[k] === v));
}

describe('qBittorrent behind gluetun', () => {
  const { find, objects, stack } = objectsOf(ON);
  const sts = find('StatefulSet', 'qbittorrent');
  const pod = podOf(sts);
  const qbt = containerOf(sts, 'qbittorrent');
  const gluetun = containerOf(sts, 'gluetun');

  it('serves the WebUI on 8080 with a TCP probe (the WebAPI needs a login) and a 300 s grace period', () => {
    expect(qbt.ports).toEqual([{ name: 'http', containerPort: 8080, protocol: 'TCP' }]);
    expect(envOf(qbt).QBT_WEBUI_PORT).toBe('8080');
    for (const p of ['startupProbe', 'readinessProbe', 'livenessProbe']) expect(qbt[p].tcpSocket).toEqual({ port: 'http' });
    expect(pod.terminationGracePeriodSeconds).toBe(300);
    expect(find('Service', 'qbittorrent').spec.ports[0]).toMatchObject({ port: 8080, targetPort: 'http' });
  });

  it('runs gluetun as a native sidecar that starts (tunnel up) before qBittorrent', () => {
    expect(pod.initContainers.map((c: any) => c.name)).toEqual(['seed-config', 'gluetun']);
    expect(gluetun.restartPolicy).toBe('Always');
    expect(pod.containers.map((c: any) => c.name)).toEqual(['qbittorrent']);
    for (const p of ['startupProbe', 'readinessProbe', 'livenessProbe']) expect(gluetun[p].httpGet).toEqual({ path: '/', port: 'vpn-health' });
    expect(gluetun.ports).toEqual([{ name: 'vpn-health', containerPort: GLUETUN_HEALTH_PORT, protocol: 'TCP' }]);
  });

  it('configures gluetun for Kubernetes: health server off loopback, input ports, cluster CIDRs outside the tunnel', () => {
    const env = envOf(gluetun);
    expect(env.HEALTH_SERVER_ADDRESS).toBe(':9999');
    expect(env.FIREWALL_INPUT_PORTS).toBe('8080,9999');
    expect(env.FIREWALL_OUTBOUND_SUBNETS).toBe('10.42.0.0/16,10.43.0.0/16');
    expect(env.VPN_SERVICE_PROVIDER).toBe('protonvpn');
    expect(env.VPN_TYPE).toBe('wireguard');
    expect(env.WIREGUARD_PRIVATE_KEY).toEqual({ secretKeyRef: { name: 'qbittorrent-vpn', key: 'wireguard-private-key' } });
    const { find: f } = objectsOf({
      network: { podCidr: '10.244.0.0/16', serviceCidr: '10.96.0.0/12' },
      apps: { decypharr: { nfsClusterIP: '10.96.0.49' }, qbittorrent: { enabled: true, webUiPort: 8090, vpn: { endpointCidrs: [ENDPOINT], serverHostnames: [SERVER] } } },
    });
    const e2 = envOf(containerOf(f('StatefulSet', 'qbittorrent'), 'gluetun'));
    expect(e2.FIREWALL_OUTBOUND_SUBNETS).toBe('10.244.0.0/16,10.96.0.0/12');
    expect(e2.FIREWALL_INPUT_PORTS).toBe('8090,9999');
  });

  it('gets /dev/net/tun from the device-plugin resource with NET_ADMIN — no privileged container, no hostPath', () => {
    expect(gluetun.resources.limits['squat.ai/tun']).toBe(1);
    expect(gluetun.resources.requests['squat.ai/tun']).toBe(1);
    expect(gluetun.securityContext.capabilities.add).toEqual(['NET_ADMIN']);
    for (const c of [...pod.initContainers, ...pod.containers]) expect(c.securityContext.privileged).toBeUndefined();
    expect(pod.volumes.some((v: any) => v.hostPath)).toBe(false);
    expect(qbt.securityContext).toEqual({ allowPrivilegeEscalation: false, readOnlyRootFilesystem: true, capabilities: { drop: ['ALL'] } });
    const exc = stack.components.find((c) => c.fluxName === 'qbittorrent')!.securityExceptions;
    expect(exc.find((e) => e.container === 'gluetun')!.reason).toMatch(/NET_ADMIN/);
  });

  it('kill switch layer 2: the pod has no egress path that bypasses the tunnel', () => {
    const policies = policiesFor(objects, QBT);
    expect(policies.map((p) => p.metadata.name).sort()).toEqual(['allow-dns', 'allow-qbittorrent', 'default-deny', KILL_SWITCH_POLICY].sort());
    for (const p of policies) expect(p.spec.policyTypes).toContain('Egress');
    const egress = policies.flatMap((p) => p.spec.egress ?? []);
    const dns = { namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': 'kube-system' } }, podSelector: { matchLabels: { 'k8s-app': 'kube-dns' } } };
    for (const rule of egress) {
      expect(rule.to?.length).toBeGreaterThan(0); // no "to anywhere" rule
      expect(rule.ports?.length).toBeGreaterThan(0); // no "any port" rule
      const toDns: boolean = rule.to.every((t: any) => JSON.stringify(t) === JSON.stringify(dns));
      const toEndpoint: boolean = rule.to.every((t: any) => t.ipBlock?.cidr === ENDPOINT && !t.ipBlock.except);
      expect(toDns || toEndpoint).toBe(true);
      if (toDns)
        expect(rule.ports).toEqual([
          { protocol: 'UDP', port: 53 },
          { protocol: 'TCP', port: 53 },
        ]);
      if (toEndpoint) expect(rule.ports).toEqual([{ protocol: 'UDP', port: 51820 }]);
    }
    expect(find('NetworkPolicy', KILL_SWITCH_POLICY).spec.egress).toHaveLength(2);
  });

  const ARR_PEERS = [
    { podSelector: { matchLabels: { 'app.kubernetes.io/name': 'sonarr', 'app.kubernetes.io/instance': 'sonarr' } } },
    { podSelector: { matchLabels: { 'app.kubernetes.io/name': 'radarr', 'app.kubernetes.io/instance': 'radarr' } } },
  ];
  const CONTROLLER_PEER = { namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': 'kube-system' } } };

  it('lets only Sonarr and Radarr in, on the WebUI port, while it has no Ingress (default)', () => {
    const ks = find('NetworkPolicy', KILL_SWITCH_POLICY).spec;
    expect(ks.podSelector.matchLabels).toEqual(QBT);
    expect(ks.ingress).toEqual([{ from: ARR_PEERS, ports: [{ protocol: 'TCP', port: 8080 }] }]);
    // …and the Arrs may call it (their own egress policies).
    expect(find('NetworkPolicy', 'allow-sonarr').spec.egress).toContainEqual({ to: [{ podSelector: { matchLabels: QBT } }], ports: [{ protocol: 'TCP', port: 8080 }] });
  });

  it('admits the ingress controller too once the Ingress is opted in', () => {
    const { find: f } = objectsOf({ apps: { qbittorrent: { ...ON.apps.qbittorrent, ingress: true } } });
    expect(f('NetworkPolicy', KILL_SWITCH_POLICY).spec.ingress).toEqual([{ from: [...ARR_PEERS, CONTROLLER_PEER], ports: [{ protocol: 'TCP', port: 8080 }] }]);
  });

  it('keeps the kill switch when the namespace-wide policies are off', () => {
    const { objects: o } = objectsOf({ networkPolicies: { enabled: false }, ...ON });
    expect(policiesFor(o, QBT).map((p) => p.metadata.name)).toEqual([KILL_SWITCH_POLICY]);
  });

  it('shares the downloads volume with Sonarr and Radarr at /mnt/downloads', () => {
    expect(qbt.volumeMounts).toContainEqual({ name: 'downloads', mountPath: '/mnt/downloads' });
    for (const arr of ['sonarr', 'radarr']) {
      expect(containerOf(find('StatefulSet', arr), arr).volumeMounts).toContainEqual({ name: 'downloads', mountPath: '/mnt/downloads' });
    }
    expect(containerOf(find('StatefulSet', 'prowlarr'), 'prowlarr').volumeMounts.some((m: any) => m.name === 'downloads')).toBe(false);
    expect(find('PersistentVolumeClaim', 'downloads').spec).toMatchObject({ accessModes: ['ReadWriteMany'], storageClassName: 'longhorn-rwx' });
    const { find: f } = objectsOf({ storage: { mode: 'hostPath' }, ...ON });
    expect(podOf(f('StatefulSet', 'qbittorrent')).volumes.find((v: any) => v.name === 'downloads').hostPath.path).toBe('/data/downloads');
    expect(podOf(f('StatefulSet', 'sonarr')).volumes.find((v: any) => v.name === 'downloads').hostPath.path).toBe('/data/downloads');
  });

  it('keeps Decypharr next to qBittorrent when both are enabled (both download clients reachable)', () => {
    const egress = find('NetworkPolicy', 'allow-radarr').spec.egress;
    expect(egress).toContainEqual({ to: [{ podSelector: { matchLabels: QBT } }], ports: [{ protocol: 'TCP', port: 8080 }] });
    expect(egress).toContainEqual({
      to: [{ podSelector: { matchLabels: { 'app.kubernetes.io/name': 'decypharr', 'app.kubernetes.io/instance': 'decypharr' } } }],
      ports: [{ protocol: 'TCP', port: 8282 }],
    });
  });

  it('makes the namespace enforce privileged PSS (NET_ADMIN is outside baseline)', () => {
    const { find: f } = objectsOf({ apps: { decypharr: { enabled: false }, qbittorrent: { enabled: true, vpn: { endpointCidrs: [ENDPOINT], serverHostnames: [SERVER] } } } });
    expect(f('Namespace', 'media').metadata.labels['pod-security.kubernetes.io/enforce']).toBe('privileged');
  });

  it('requires the endpoint CIDRs (the kill switch would block everything)', () => {
    expect(() => objectsOf({ apps: { qbittorrent: { enabled: true } } })).toThrow(/apps\.qbittorrent\.vpn\.endpointCidrs/);
    // gluetun must be pinned to servers inside the allowed endpoints
    expect(() => objectsOf({ apps: { qbittorrent: { enabled: true, vpn: { endpointCidrs: [ENDPOINT] } } } })).toThrow(/apps\.qbittorrent\.vpn\.serverHostnames: is empty/);
    const env = Object.fromEntries(
      podOf(objectsOf(ON).find('StatefulSet', 'qbittorrent'))
        .initContainers.find((c: any) => c.name === 'gluetun')
        .env.map((e: any) => [e.name, e.value]),
    );
    expect(env.SERVER_HOSTNAMES).toBe(SERVER);
  });
});

describe('qBittorrent behind ProtonWire', () => {
  const cfg = {
    apps: { qbittorrent: { enabled: true, vpn: { provider: 'protonwire', server: 'NL#1', endpointCidrs: [ENDPOINT], bootstrapCidrs: ['198.51.100.0/24'] } } },
  } as const;
  const { find, objects, stack } = objectsOf(cfg);
  const sts = find('StatefulSet', 'qbittorrent');
  const pw = containerOf(sts, 'protonwire');

  it('sets the unsafe sysctls on the pod, warns (once) about the kubelet flag, and records the exception', () => {
    expect(podOf(sts).securityContext.sysctls).toEqual(PROTONWIRE_SYSCTLS.map((s) => ({ ...s })));
    expect(podOf(sts).securityContext.sysctls).toContainEqual({ name: 'net.ipv4.conf.all.rp_filter', value: '2' });
    const warnings = [...stack.warnings, ...docWarnings(new StackView(docsInputOf(cfg)))].filter((w) => w.includes('allowed-unsafe-sysctls'));
    expect(warnings).toHaveLength(1);
    expect(warnings[0]).toMatch(/allowed-unsafe-sysctls=net\.ipv4\.conf\.all\.rp_filter,net\.ipv6\.conf\.all\.disable_ipv6/);
    const exc = stack.components.find((c) => c.fluxName === 'qbittorrent')!.securityExceptions;
    expect(exc.some((e) => e.rules.includes('no-unsafe-sysctls'))).toBe(true);
  });

  it('runs ProtonWire as a native sidecar with NET_ADMIN, its exec health check, no tun resource, not privileged', () => {
    expect(pw.restartPolicy).toBe('Always');
    expect(pw.securityContext.capabilities.add).toEqual(['NET_ADMIN']);
    expect(pw.securityContext.privileged).toBeUndefined();
    expect(pw.readinessProbe.exec.command).toEqual(['protonwire', 'healthcheck', '--silent', '--service-status-file']);
    expect(pw.livenessProbe.exec.command[0]).toBe('protonwire');
    expect(pw.startupProbe.exec.command[0]).toBe('protonwire');
    const env = envOf(pw);
    expect(env).toMatchObject({ PROTONVPN_SERVER: 'NL#1', KILL_SWITCH: '1', SKIP_DNS_CONFIG: '1' });
    expect(env.WIREGUARD_PRIVATE_KEY).toEqual({ secretKeyRef: { name: 'qbittorrent-vpn', key: 'wireguard-private-key' } });
    expect(pw.resources.limits['squat.ai/tun']).toBeUndefined();
    expect(podOf(sts).volumes.find((v: any) => v.name === 'vpn-tmp').emptyDir.medium).toBe('Memory');
  });

  it('allows only the endpoint, DNS and the metadata API on 443 out of the pod', () => {
    const egress = policiesFor(objects, QBT).flatMap((p) => p.spec.egress ?? []);
    const cidrs = egress.flatMap((r: any) => r.to.filter((t: any) => t.ipBlock).map((t: any) => `${t.ipBlock.cidr}:${r.ports.map((p: any) => p.port).join(',')}`));
    expect(cidrs.sort()).toEqual(['198.51.100.0/24:443', `${ENDPOINT}:51820`]);
  });

  it('needs a server', () => {
    expect(() => objectsOf({ apps: { qbittorrent: { enabled: true, vpn: { provider: 'protonwire', endpointCidrs: [ENDPOINT] } } } })).toThrow(/apps\.qbittorrent\.vpn\.server/);
  });
});

describe('qBittorrent default save path (no grab may land on the config volume before the WebUI step)', () => {
  const { find } = objectsOf(ON);
  const sts = find('StatefulSet', 'qbittorrent');
  const pod = podOf(sts);
  const qbt = containerOf(sts, 'qbittorrent');
  const seed = pod.initContainers.find((c: any) => c.name === 'seed-config');
  const downloads = qbt.volumeMounts.find((m: any) => m.name === 'downloads').mountPath;

  it('seeds Session\\DefaultSavePath with the downloads mount the Arrs share, in the config qBittorrent reads', () => {
    expect(seed, 'an init container seeds the config').toBeDefined();
    expect(seed.image).toBe(qbt.image);
    expect(seed.command.slice(0, 2)).toEqual(['bash', '-c']);
    expect(seed.command[2]).toBe(seedConfigScript(downloads));
    const configMount = qbt.volumeMounts.find((m: any) => QBT_CONFIG_FILE.startsWith(`${m.mountPath}/`));
    expect(seed.volumeMounts).toEqual([expect.objectContaining({ name: configMount.name, mountPath: configMount.mountPath })]);
    // Before the VPN sidecar, so a tunnel that does not come up does not hold it.
    expect(pod.initContainers[0].name).toBe('seed-config');
  });

  it('passes shellcheck for bash', () => {
    execFileSync('shellcheck', ['-s', 'bash', '-'], { input: seedConfigScript(downloads) });
  });

  const run = (dir: string) => {
    const files = { config: join(dir, 'config/qBittorrent/qBittorrent.conf'), defaults: join(dir, 'defaults.conf') };
    return { files, out: execFileSync('bash', ['-c', seedConfigScript('/mnt/downloads', files)], { encoding: 'utf8' }) };
  };
  // The shape of the image's /defaults/qBittorrent.conf (sections [LegalNotice], [BitTorrent], [Preferences]).
  const DEFAULTS = '[LegalNotice]\nAccepted=true\n\n[BitTorrent]\nSession\\Port=50413\n\n[Preferences]\nWebUI\\Port=8080\n';

  it('creates the config from the image defaults with the save path in [BitTorrent], and a second run changes no byte', () => {
    const dir = mkdtempSync(join(tmpdir(), 'qbt-'));
    writeFileSync(join(dir, 'defaults.conf'), DEFAULTS);
    const { files } = run(dir);
    const first = readFileSync(files.config, 'utf8');
    expect(first).toBe('[LegalNotice]\nAccepted=true\n\n[BitTorrent]\nSession\\DefaultSavePath=/mnt/downloads\nSession\\Port=50413\n\n[Preferences]\nWebUI\\Port=8080\n');
    expect(run(dir).out).toContain('already set');
    expect(readFileSync(files.config, 'utf8')).toBe(first);
  });

  it('keeps a save path chosen in the WebUI, and adds the section to a config without one', () => {
    const dir = mkdtempSync(join(tmpdir(), 'qbt-'));
    mkdirSync(join(dir, 'config/qBittorrent'), { recursive: true });
    const chosen = '[BitTorrent]\nSession\\DefaultSavePath=/mnt/downloads/mine\n';
    writeFileSync(join(dir, 'config/qBittorrent/qBittorrent.conf'), chosen);
    expect(readFileSync(run(dir).files.config, 'utf8')).toBe(chosen);
    writeFileSync(join(dir, 'config/qBittorrent/qBittorrent.conf'), '[Preferences]\nWebUI\\Port=8080');
    expect(readFileSync(run(dir).files.config, 'utf8')).toBe('[Preferences]\nWebUI\\Port=8080\n\n[BitTorrent]\nSession\\DefaultSavePath=/mnt/downloads\n');
  });

  it("uses the image's own file locations", () => {
    expect(seedConfigScript(downloads)).toContain(`conf='${QBT_CONFIG_FILE}'`);
    expect(seedConfigScript(downloads)).toContain(`cp '${QBT_DEFAULTS_FILE}'`);
  });
});
