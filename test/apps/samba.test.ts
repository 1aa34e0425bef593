import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { renderUsersScript, SAMBA_PASSWORD_RULE } from '../../src/apps/samba/samba.js';
import { resolveSecrets } from '../../src/secrets/resolve.js';
import { errorOf, newKey, sopsConfigFor } from '../secrets/helpers.js';
import { resolveConfig } from '../../src/stack-config.js';
import { containerOf, envOf, objectsOf, podOf } from '../helpers.js';

const ON = { storage: { mode: 'hostPath' }, apps: { samba: { enabled: true, users: ['media', 'guest2'] } } } as const;

describe('Samba', () => {
  const { find, stack } = objectsOf(ON);
  const deploy = find('Deployment', 'samba');
  const smb = containerOf(deploy, 'samba');
  const container = JSON.parse(find('ConfigMap', 'samba-config').data['container.json']);

  it('serves SMB on 445 through a Service (no host networking)', () => {
    expect(smb.image).toMatch(/^quay\.io\/samba\.org\/samba-server:/);
    expect(smb.ports).toEqual([{ name: 'smb', containerPort: 445, protocol: 'TCP' }]);
    expect(find('Service', 'samba').spec).toMatchObject({ type: 'LoadBalancer', ports: [{ name: 'smb', port: 445, targetPort: 'smb', protocol: 'TCP' }] });
    expect(podOf(deploy).hostNetwork).toBeUndefined();
    for (const p of ['startupProbe', 'readinessProbe', 'livenessProbe']) expect(smb[p].tcpSocket).toEqual({ port: 'smb' });
  });

  it('shares the library and the downloads from the host paths, for the configured users', () => {
    expect(container['samba-container-config']).toBe('v0');
    expect(container.configs.media.shares).toEqual(['library', 'downloads']);
    expect(container.shares.library.options).toMatchObject({ path: '/shares/library', 'valid users': 'media guest2', 'read only': 'no' });
    expect(container.globals.default.options.workgroup).toBe('WORKGROUP');
    const vols = Object.fromEntries(podOf(deploy).volumes.map((v: any) => [v.name, v]));
    expect(vols['media-library'].hostPath.path).toBe('/data/library');
    expect(vols.downloads.hostPath.path).toBe('/data/downloads');
    expect(smb.volumeMounts).toContainEqual({ name: 'media-library', mountPath: '/shares/library' });
    expect(envOf(smb)).toMatchObject({ SAMBACC_CONFIG: '/etc/samba-container/container.json:/etc/samba-users/users.json', SAMBA_CONTAINER_ID: 'media' });
  });

  it('never puts a password into the ConfigMap: one generated password per user, rendered at runtime', () => {
    expect(find('ConfigMap', 'samba-config').data['container.json']).not.toMatch(/password/i);
    const secret = stack.components.find((c) => c.fluxName === 'samba')!.secrets[0]!;
    expect(secret.name).toBe('samba-secrets');
    expect(secret.keys.map((k) => [k.key, k.source.kind])).toEqual([
      ['password-media', 'generated'],
      ['password-guest2', 'generated'],
    ]);
    const init = containerOf(deploy, 'render-users');
    expect(podOf(deploy).initContainers.map((c: any) => c.name)).toEqual(['prepare-host-dirs', 'render-users']);
    expect(envOf(init)).toEqual({
      SAMBA_PASSWORD_0: { secretKeyRef: { name: 'samba-secrets', key: 'password-media' } },
      SAMBA_PASSWORD_1: { secretKeyRef: { name: 'samba-secrets', key: 'password-guest2' } },
    });
    expect(envOf(smb).SAMBA_PASSWORD_0).toBeUndefined();
    expect(podOf(deploy).volumes.find((v: any) => v.name === 'users').emptyDir.medium).toBe('Memory');
    expect(init.securityContext).toMatchObject({ runAsNonRoot: true, runAsUser: 1000, readOnlyRootFilesystem: true });
  });

  it('the rendered users.json is valid JSON even for passwords with quotes and backslashes', () => {
    const dir = mkdtempSync(join(tmpdir(), 'smbusers-'));
    const script = renderUsersScript(resolveConfig(ON).apps.samba.users, resolveConfig(ON)).replaceAll('/etc/samba-users', dir);
    execFileSync('sh', ['-c', script], { env: { PATH: process.env.PATH, SAMBA_PASSWORD_0: 'a"b\\c', SAMBA_PASSWORD_1: 'plain' } });
    expect(JSON.parse(readFileSync(join(dir, 'users.json'), 'utf8'))).toEqual({
      'samba-container-config': 'v0',
      users: {
        all_entries: [
          { name: 'media', password: 'a"b\\c', uid: 1000, gid: 1000 },
          { name: 'guest2', password: 'plain', uid: 1000, gid: 1000 },
        ],
      },
    });
  });

  it('runs smbd as root (a recorded exception), never privileged', () => {
    expect(smb.securityContext.privileged).toBeUndefined();
    expect(smb.securityContext).toMatchObject({ runAsUser: 0, allowPrivilegeEscalation: false });
    const exc = stack.components.find((c) => c.fluxName === 'samba')!.securityExceptions;
    expect(exc.find((e) => e.container === 'samba')).toMatchObject({ container: 'samba', rules: expect.arrayContaining(['run-as-non-root']) });
  });

  it('opens 445 to LAN clients only', () => {
    expect(find('NetworkPolicy', 'allow-samba').spec.ingress).toEqual([
      { from: [{ ipBlock: { cidr: '10.0.0.0/8' } }, { ipBlock: { cidr: '172.16.0.0/12' } }, { ipBlock: { cidr: '192.168.0.0/16' } }], ports: [{ protocol: 'TCP', port: 445 }] },
    ]);
    expect(find('NetworkPolicy', 'allow-samba').spec.egress).toBeUndefined();
  });

  it('shares no downloads in Longhorn mode without qBittorrent (there is no downloads volume)', () => {
    const { find: f } = objectsOf({ apps: { samba: { enabled: true } } });
    expect(JSON.parse(f('ConfigMap', 'samba-config').data['container.json']).configs.media.shares).toEqual(['library']);
    expect(podOf(f('Deployment', 'samba')).volumes.find((v: any) => v.name === 'media-library').persistentVolumeClaim.claimName).toBe('media-library');
  });
});

describe('Samba passwords smbd cannot take', () => {
  const cfg = resolveConfig(ON);
  /** busybox sh with only busybox applets on PATH: the shell and tools of the render-users image. */
  const runInBusybox = (env: Record<string, string>) => {
    const bin = mkdtempSync(join(tmpdir(), 'bb-'));
    for (const applet of ['sh', 'tr', 'sed', 'printf', 'chmod', 'mv', 'cat']) symlinkSync(execFileSync('which', ['busybox'], { encoding: 'utf8' }).trim(), join(bin, applet));
    const dir = mkdtempSync(join(tmpdir(), 'smbusers-'));
    const res = spawnSync(join(bin, 'sh'), ['-c', renderUsersScript(cfg.apps.samba.users, cfg).replaceAll('/etc/samba-users', dir)], {
      env: { PATH: bin, ...env },
      encoding: 'utf8',
    });
    return { ...res, written: existsSync(join(dir, 'users.json')) ? readFileSync(join(dir, 'users.json'), 'utf8') : undefined };
  };

  it('renders printable passwords (quotes and backslashes too) under busybox sh', () => {
    const res = runInBusybox({ SAMBA_PASSWORD_0: 'a"b\\c %s', SAMBA_PASSWORD_1: 'plain' });
    expect(res.status, res.stderr).toBe(0);
    expect(JSON.parse(res.written!).users.all_entries.map((u: any) => u.password)).toEqual(['a"b\\c %s', 'plain']);
  });

  for (const [what, bad] of [
    ['a newline', 'qwzx1\nqwzx2'],
    ['a trailing newline', 'qwzx\n'],
    ['a tab', 'qwzx\tqwzx'],
    ['an escape', 'qwzx\u001bqwzx'],
    ['DEL', 'qwzx\u007f'],
    ['nothing', ''],
  ] as const) {
    it(`stops the pod on a password with ${what}, naming the user and key but not the value`, () => {
      const res = runInBusybox({ SAMBA_PASSWORD_0: 'fine', SAMBA_PASSWORD_1: bad });
      expect(res.status).not.toBe(0);
      expect(res.stderr).toContain('the password of guest2 (Secret samba-secrets, key password-guest2)');
      expect(res.stderr).not.toContain('qwzx');
      expect(res.written, 'no users file for smbd to choke on').toBeUndefined();
    });
  }

  it('the shell check and the synth check agree on what is usable', () => {
    for (const p of ['plain', 'a"b\\c', 'ümlaut €', ' spaced ']) expect(SAMBA_PASSWORD_RULE.pattern.test(p), p).toBe(true);
    for (const p of ['', 'a\nb', 'a\tb', 'a\u007f', 'a\rb']) expect(SAMBA_PASSWORD_RULE.pattern.test(p), JSON.stringify(p)).toBe(false);
  });

  it('refuses at synth a supplied password with a control character, naming the key, never the value', async () => {
    const { stack } = objectsOf(ON);
    const secret = stack.components.find((c) => c.fluxName === 'samba')!.secrets[0]!;
    const request = { name: secret.name, namespace: 'media', keys: secret.keys, path: 'clusters/homelab/apps/media/samba/secret.sops.yaml' };
    const key = await newKey();
    const err = await errorOf(
      resolveSecrets({ requests: [request], sopsConfig: sopsConfigFor([key.recipient]), operatorValues: { 'samba-secrets': { 'password-guest2': 'hunter2\nsecond-line' } } }),
    );
    expect(err.message).toContain('the value of password-guest2 is not usable: it must be a non-empty password of printable characters');
    expect(err.message).toContain('MEDIA_STACK_SECRET__SAMBA_SECRETS__PASSWORD_GUEST2');
    expect(err.message).not.toContain('hunter2');
    expect(err.message).not.toContain('password-media');
    // Generated passwords always pass.
    await resolveSecrets({ requests: [request], sopsConfig: sopsConfigFor([key.recipient]) });
  });
});

describe('Samba keeps the client address, so the private-range NetworkPolicy filters something', () => {
  it('a LoadBalancer or NodePort Service with externalTrafficPolicy Local (Cluster SNATs every client to a node address)', () => {
    for (const serviceType of ['LoadBalancer', 'NodePort'] as const) {
      const { find } = objectsOf({ ...ON, apps: { samba: { ...ON.apps.samba, serviceType } } });
      expect(find('Service', 'samba').spec.externalTrafficPolicy, serviceType).toBe('Local');
    }
    const { find } = objectsOf({ ...ON, apps: { samba: { ...ON.apps.samba, serviceType: 'ClusterIP' } } });
    expect(find('Service', 'samba').spec.externalTrafficPolicy).toBeUndefined();
    // The policy that relies on it: only the private ranges may reach 445.
    expect(
      objectsOf(ON)
        .find('NetworkPolicy', 'allow-samba')
        .spec.ingress[0].from.every((p: any) => p.ipBlock),
    ).toBe(true);
  });

  it('lets k3s ServiceLB run on the tainted storage node that answers (Local: only that node is advertised)', () => {
    const { find } = objectsOf({ apps: { samba: { enabled: true } } });
    const svc = find('Service', 'samba');
    const tolerations = podOf(find('Deployment', 'samba')).tolerations;
    expect(tolerations.length).toBeGreaterThan(0);
    expect(JSON.parse(svc.metadata.annotations['svccontroller.k3s.cattle.io/tolerations'])).toEqual(tolerations);
    // Single node: nothing tainted, nothing to tolerate.
    expect(objectsOf(ON).find('Service', 'samba').metadata.annotations).toBeUndefined();
  });
});
