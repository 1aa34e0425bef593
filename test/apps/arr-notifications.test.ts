/**
 * The notification connections the Arr wiring job adds to every Arr (apps.arrWiring.notifications):
 * the objects and the Secret, the synth's checks of the operator's values, and the script run for
 * real against the fake Servarr (bodies validated by each app's OpenAPI document), in both shells.
 */
import { describe, expect, it, beforeAll, afterAll } from 'vitest';
import { NOTIFICATION_URL_RULE, NTFY_TOPIC_RULE, wiringData } from '../../src/apps/arr-wiring/index.js';
import { notificationFlagLabel } from '../../src/apps/arr-wiring/facts.js';
import { resolveConfig, type StackConfigInput } from '../../src/stack-config.js';
import { secretEnvVarName } from '../../src/secrets/model.js';
import { synthesize } from '../../src/synth.js';
import { asServed, FakeServarr } from '../executed/fake-servarr.js';
import { prepareWiringRun, SHELLS, type WiringRun } from '../executed/wiring-run.js';
import { operatorEnv, PROJECT } from '../stack/support.js';
import { containerOf, envOf, objectsOf } from '../helpers.js';

const NOTIFY: StackConfigInput = {
  apps: {
    lidarr: { enabled: true },
    arrWiring: {
      notifications: [
        { name: 'Discord', kind: 'discord' },
        { name: 'Phone', kind: 'ntfy', events: ['importFailed', 'health'], server: 'https://ntfy.example.com' },
        { name: 'Home Hook', kind: 'webhook', events: ['grab', 'importFailed', 'imported', 'health'] },
      ],
    },
  },
};

/** The connections of one Arr in the wiring data, as the bodies the job posts. */
function connectionsOf(instance: string, input: StackConfigInput = NOTIFY): Record<string, unknown>[] {
  const app = wiringData(resolveConfig(input)).apps.find((a) => a.instance === instance)!;
  return (app.collections.find((c) => c.resource === 'notification')?.entries ?? []).map((e) => JSON.parse(e.body) as Record<string, unknown>);
}
const flagsOf = (body: Record<string, unknown>) => Object.keys(body).filter((k) => /^on[A-Z]/.test(k) && body[k] === true);

describe('Arr notifications: objects', () => {
  it("gives every Arr one connection per entry, with each kind's own flags for the chosen events", () => {
    const sonarr = connectionsOf('sonarr');
    expect(sonarr.map((b) => [b.name, b.implementation, b.configContract])).toEqual([
      ['Discord', 'Discord', 'DiscordSettings'],
      ['Phone', 'Ntfy', 'NtfySettings'],
      ['Home Hook', 'Webhook', 'WebhookSettings'],
    ]);
    // Default events: grabs and failed imports ("On Manual Interaction Required" in Sonarr/Radarr, "On Import Failure" in Lidarr).
    expect(flagsOf(sonarr[0]!)).toEqual(['onGrab', 'onManualInteractionRequired']);
    expect(flagsOf(connectionsOf('radarr')[0]!)).toEqual(['onGrab', 'onManualInteractionRequired']);
    expect(flagsOf(connectionsOf('lidarr')[0]!)).toEqual(['onGrab', 'onImportFailure']);
    expect(flagsOf(sonarr[1]!)).toEqual(['onManualInteractionRequired', 'onHealthIssue']);
    expect(flagsOf(sonarr[2]!)).toEqual(['onGrab', 'onManualInteractionRequired', 'onDownload', 'onUpgrade', 'onHealthIssue']);
    expect(flagsOf(connectionsOf('lidarr')[2]!)).toEqual(['onGrab', 'onImportFailure', 'onReleaseImport', 'onUpgrade', 'onHealthIssue']);
    // The value comes from the environment, never from the data; ntfy's server is the config's.
    expect(sonarr.map((b) => b.fields)).toEqual([
      [{ name: 'webHookUrl', value: '@@NOTIFICATION_DISCORD_URL@@' }],
      [
        { name: 'serverUrl', value: 'https://ntfy.example.com' },
        { name: 'topics', value: ['@@NOTIFICATION_PHONE_TOPIC@@'] },
      ],
      [
        { name: 'url', value: '@@NOTIFICATION_HOME_HOOK_URL@@' },
        { name: 'method', value: 1 },
      ],
    ]);
    // Prowlarr is no library manager: no connections there.
    expect(
      wiringData(resolveConfig(NOTIFY))
        .apps.find((a) => a.instance === 'prowlarr')!
        .collections.map((c) => c.resource),
    ).not.toContain('notification');
    // ntfy without a server: ntfy's public one.
    const publicNtfy = connectionsOf('sonarr', { apps: { arrWiring: { notifications: [{ name: 'Phone', kind: 'ntfy' }] } } });
    expect(publicNtfy[0]!.fields).toContainEqual({ name: 'serverUrl', value: 'https://ntfy.sh' });
  });

  it('reads each URL or topic from Secret arr-notifications, an operator value with its shape', () => {
    const { find, stack } = objectsOf(NOTIFY);
    const env = envOf(containerOf(find('CronJob', 'arr-wiring'), 'arr-wiring'));
    expect(env.NOTIFICATION_DISCORD_URL).toEqual({ secretKeyRef: { name: 'arr-notifications', key: 'discord-url', optional: true } });
    expect(env.NOTIFICATION_PHONE_TOPIC).toEqual({ secretKeyRef: { name: 'arr-notifications', key: 'phone-topic', optional: true } });
    expect(env.NOTIFICATION_HOME_HOOK_URL).toEqual({ secretKeyRef: { name: 'arr-notifications', key: 'home-hook-url', optional: true } });
    const secret = stack.components.flatMap((c) => c.secrets).find((s) => s.name === 'arr-notifications')!;
    expect(secret.keys.map((k) => [k.key, k.source.kind, k.valueRule])).toEqual([
      ['discord-url', 'operator', NOTIFICATION_URL_RULE],
      ['phone-topic', 'operator', NTFY_TOPIC_RULE],
      ['home-hook-url', 'operator', NOTIFICATION_URL_RULE],
    ]);
    // None configured: no Secret, no variable.
    const plain = objectsOf({});
    expect(plain.stack.components.flatMap((c) => c.secrets).map((s) => s.name)).not.toContain('arr-notifications');
    expect(Object.keys(envOf(containerOf(plain.find('CronJob', 'arr-wiring'), 'arr-wiring'))).filter((k) => k.startsWith('NOTIFICATION_'))).toEqual([]);
  });

  it('fails the synth naming the variable of a missing value, and the key and rule of a malformed one, never the value', async () => {
    const cfg = resolveConfig(NOTIFY);
    const env = operatorEnv(cfg);
    const url = secretEnvVarName('arr-notifications', 'discord-url');
    const topic = secretEnvVarName('arr-notifications', 'phone-topic');
    const { [url]: _gone, ...missing } = env;
    await expect(synthesize({ config: cfg, projectDir: PROJECT, env: missing })).rejects.toThrow(url);
    const failure = async (over: Record<string, string>) =>
      synthesize({ config: cfg, projectDir: PROJECT, env: { ...env, ...over } }).then(
        () => undefined,
        (e: unknown) => (e as Error).message,
      );
    const spaced = await failure({ [url]: 'https://discord.com/api/webhooks/1/s3cr3t tail' });
    expect(spaced).toMatch(/discord-url.*http\(s\) URL/s);
    expect(spaced).not.toContain('s3cr3t');
    const reserved = await failure({ [topic]: 'app' });
    expect(reserved).toMatch(/phone-topic.*ntfy topic/s);
    // Well-formed values synthesize (encrypted; the plaintext is in no file).
    const ok = await synthesize({ config: cfg, projectDir: PROJECT, env: { ...env, [url]: 'https://discord.com/api/webhooks/123/Tok-en_9' } });
    expect(ok.files.some((f) => f.content.includes('Tok-en_9'))).toBe(false);
    expect(ok.files.some((f) => f.path.endsWith('apps/media/arr-wiring/app/secret.sops.yaml') || f.content.includes('name: arr-notifications'))).toBe(true);
  });
});

describe('Arr notifications: the docs', () => {
  it('the architecture page and the wiring runbook list every connection the job ships, with the flags it posts', async () => {
    const input: StackConfigInput = { ...NOTIFY, apps: { ...NOTIFY.apps, fluxAlerts: { enabled: true, provider: 'slack' } } };
    const cfg = resolveConfig(input);
    const { files } = await synthesize({ config: cfg, projectDir: PROJECT, env: operatorEnv(cfg) });
    const page = (name: string) => files.find((f) => f.path.endsWith(`/${name}`))!.content;
    const architecture = page('architecture.md');
    const runbook = page('downloads-and-database.md');
    // From what the job really posts (its ConfigMap), not from the config.
    const shipped = JSON.parse(objectsOf(input).find('ConfigMap', 'arr-wiring-script').data['arr-wiring.json']) as ReturnType<typeof wiringData>;
    // The label is the Arr's checkbox text.
    expect(['onGrab', 'onManualInteractionRequired', 'onImportFailure'].map(notificationFlagLabel)).toEqual(['On Grab', 'On Manual Interaction Required', 'On Import Failure']);
    let rows = 0;
    for (const app of shipped.apps)
      for (const e of app.collections.find((c) => c.resource === 'notification')?.entries ?? []) {
        const b = JSON.parse(e.body) as Record<string, unknown>;
        if (b.implementation === 'PlexServer') continue;
        const labels = flagsOf(b).map(notificationFlagLabel).join(', ');
        expect(architecture).toContain(`| \`${app.instance}\` | ${String(b.name)} | ${String(b.implementation)} | ${labels} | \`cronjob/arr-wiring\` |`);
        expect(runbook).toContain(`| \`${app.instance}\` | ${String(b.name)} | ${String(b.implementation)} | ${labels} |`);
        rows++;
      }
    expect(rows).toBe(9);
    // Flux's row, read from the Alert and its Provider.
    expect(architecture).toContain(
      '| `alert/flux-alerts` | provider/flux-alerts | slack | error events of every Kustomization labelled app.kubernetes.io/part-of=media-stack | Flux | `flux-alerts-webhook/address` |',
    );
    // None configured: no section.
    const plain = await synthesize({ config: resolveConfig({}), projectDir: PROJECT, env: operatorEnv(resolveConfig({})) });
    expect(plain.files.find((f) => f.path.endsWith('/architecture.md'))!.content).not.toContain('### Notifications');
  });
});

const KEYS: Record<string, string> = { sonarr: 'a'.repeat(32), radarr: 'c'.repeat(32), lidarr: 'f'.repeat(32), prowlarr: 'd'.repeat(32) };
/** What the operator supplied: a Discord webhook whose token has the characters .NET's JSON escapes. */
const DISCORD = "https://discord.com/api/webhooks/1234/T0k&n+x'y?wait=true";
const TOPIC = 'media-stack-8c2f6e1d';
const HOOK = 'http://hooks.lan:8080/arr?source=media-stack&n=1';

describe.each(SHELLS)('Arr notifications: the script (%s) against a fake Servarr', (shell) => {
  const fake = new FakeServarr(KEYS);
  let wiring: WiringRun;
  const env = {
    SONARR_API_KEY: KEYS.sonarr!,
    RADARR_API_KEY: KEYS.radarr!,
    LIDARR_API_KEY: KEYS.lidarr!,
    PROWLARR_API_KEY: KEYS.prowlarr!,
    NOTIFICATION_DISCORD_URL: DISCORD,
    NOTIFICATION_PHONE_TOPIC: TOPIC,
    NOTIFICATION_HOME_HOOK_URL: HOOK,
  };
  const notificationPosts = () => fake.requests.filter((r) => r.method === 'POST' && r.path.startsWith('/api/v') && r.path.includes('/notification'));
  const fields = (e: any) => Object.fromEntries(e.fields.map((f: any) => [f.name, f.value]));

  /** Only Sonarr's Discord connection: one check of the URL per run. */
  let discordOnly: WiringRun;

  beforeAll(async () => {
    await fake.start();
    const data = wiringData(resolveConfig(NOTIFY));
    wiring = prepareWiringRun(shell, fake.port, data);
    const sonarr = data.apps.find((a) => a.instance === 'sonarr')!;
    const collections = sonarr.collections.filter((c) => c.resource === 'notification').map((c) => ({ ...c, entries: c.entries.filter((e) => e.what === 'connection Discord') }));
    discordOnly = prepareWiringRun(shell, fake.port, { apps: [{ ...sonarr, collections }] });
  });
  afterAll(async () => {
    await fake.stop();
    wiring.cleanup();
    discordOnly.cleanup();
  });

  it("adds every connection to every Arr once, in the apps' own API shapes, with the values pasted in", async () => {
    fake.reset();
    const { code, out } = await wiring.run(env);
    expect(out).not.toContain('ERROR');
    expect(code).toBe(0);
    expect(notificationPosts().map((r) => `${r.svc} ${r.body.name}`)).toEqual(['sonarr', 'radarr', 'lidarr'].flatMap((a) => [`${a} Discord`, `${a} Phone`, `${a} Home Hook`]));
    // Every body fits NotificationResource of the app's OpenAPI document (unknown flags are refused there).
    expect(fake.invalid).toEqual([]);
    const [discord, phone, hook] = fake.list('sonarr', 'notification');
    expect(fields(discord)).toEqual({ webHookUrl: DISCORD });
    expect(fields(phone)).toEqual({ serverUrl: 'https://ntfy.example.com', topics: [TOPIC] });
    expect(fields(hook)).toEqual({ url: HOOK, method: 1 });
    expect(fake.list('lidarr', 'notification')[0]).toMatchObject({ name: 'Discord', onGrab: true, onImportFailure: true });
    // No value in the log.
    for (const v of [DISCORD, TOPIC, HOOK]) expect(out).not.toContain(v);
    expect(out).toContain('arr-wiring: sonarr: connection Discord: created');

    fake.requests.length = 0;
    const again = await wiring.run(env);
    expect(again.code).toBe(0);
    expect(notificationPosts()).toEqual([]);
    expect(again.out).toContain('arr-wiring: radarr: connection Phone: present');
  });

  it('keeps a connection of the same name the operator made (any case, any target)', async () => {
    fake.reset();
    fake.list('radarr', 'notification').push(asServed({ name: 'discord', implementation: 'Slack', fields: [{ name: 'webHookUrl', value: 'https://hooks.slack.com/x' }] }, 1));
    const { code } = await wiring.run(env);
    expect(code).toBe(0);
    expect(fake.list('radarr', 'notification').map((n) => n.name)).toEqual(['discord', 'Phone', 'Home Hook']);
  });

  it('refuses a URL that is no plain http(s) URL, naming the variable, and adds everything else', { timeout: 120_000 }, async () => {
    for (const bad of ['ftp://files.lan/x', 'https://x.example/a b', 'https://x.example/"}]', 'https://x.example/a\\b', 'https://x.example/@@SONARR_API_KEY@@', '']) {
      fake.reset();
      const { code, out } = await wiring.run({ ...env, NOTIFICATION_DISCORD_URL: bad });
      expect(code, bad).toBe(1);
      expect(out).toMatch(/ERROR: NOTIFICATION_DISCORD_URL (is empty or not an http\(s\) URL|holds a character a URL here must not have)/);
      if (bad) expect(out).not.toContain(bad);
      expect(notificationPosts().map((r) => r.body.name)).not.toContain('Discord');
      expect(fake.list('sonarr', 'notification').map((n) => n.name)).toEqual(['Phone', 'Home Hook']);
    }
    // Not set at all (the optional secretKeyRef of a value an external store lacks): the same, and the download clients still come.
    fake.reset();
    const { NOTIFICATION_DISCORD_URL: _unset, ...without } = env;
    const { code, out } = await wiring.run(without);
    expect(code).toBe(1);
    expect(out).toContain('ERROR: NOTIFICATION_DISCORD_URL is empty or not an http(s) URL');
    expect(fake.list('sonarr', 'downloadclient').map((n) => n.name)).toContain('Decypharr');
  });

  it('accepts exactly the URLs the synth accepts (one rule in two languages)', async () => {
    const samples = [
      DISCORD,
      HOOK,
      'https://ntfy.sh/topic',
      "https://x.example/a_b~c:d@e!f$g&h'i(j)k*l+m,n;o=p%20q-r#s",
      'https://x.example/a b',
      'https://x.example/<b>',
      'https://x.example/[v6]',
      'https://x.example/"q"',
      'https://x.example/a|b',
      'https://x.example/a@@b',
      'http://',
      'mailto:me@example.com',
    ];
    for (const url of samples) {
      fake.reset();
      const { out } = await discordOnly.run({ ...env, NOTIFICATION_DISCORD_URL: url });
      const scriptAccepts = !out.includes('ERROR: NOTIFICATION_DISCORD_URL');
      expect(scriptAccepts, url).toBe(NOTIFICATION_URL_RULE.pattern.test(url));
      // An accepted URL is posted as it is.
      if (scriptAccepts) expect(fake.list('sonarr', 'notification')[0].fields[0].value, url).toBe(url);
    }
  }, 120_000);

  it("masks the values in the Arr's error answer, also where its JSON escapes them", async () => {
    fake.reset();
    // What Sonarr's error pipeline writes for a failed test (STJson, default encoder: & ' + as \u00XX), echoing the value.
    const escaped = DISCORD.replace(/&/g, '\\u0026').replace(/'/g, '\\u0027').replace(/\+/g, '\\u002B');
    fake.failPost.set('sonarr notification', {
      status: 400,
      raw: `[{"propertyName":"WebHookUrl","errorMessage":"Unable to post to webhook","attemptedValue":"${escaped}","severity":"error"},{"propertyName":"Topics","attemptedValue":["${TOPIC}"]}]`,
    });
    const { code, out } = await wiring.run(env);
    expect(code).toBe(1);
    expect(out).toMatch(/ERROR: sonarr: connection Discord: not created, HTTP 400: .*Unable to post to webhook.*"attemptedValue":"\[masked\]"/);
    expect(out).toMatch(/ERROR: sonarr: connection Phone: not created, HTTP 400: .*\["\[masked\]"\]/);
    for (const v of [DISCORD, escaped, TOPIC, 'T0k', 'discord.com/api/webhooks/1234']) expect(out).not.toContain(v);
    // The other Arrs still got theirs.
    expect(fake.list('radarr', 'notification')).toHaveLength(3);
  });

  it('masks a URL the Arr echoes rebuilt (no empty query, "//" collapsed), and keeps the in-cluster ones', async () => {
    fake.reset();
    // Sonarr's WebhookProxy failure: HttpException with the request's Url, which HttpUri rebuilt.
    fake.failPost.set('radarr notification', {
      status: 400,
      raw: '[{"propertyName":"Url","errorMessage":"Unable to post to webhook: HTTP request failed: [404:NotFound] [POST] at [http://hooks.lan:8080/arr-token-9f]","severity":"error"},{"errorMessage":"seen from http://radarr.media.svc.cluster.local:7878/api"}]',
    });
    const { code, out } = await wiring.run({ ...env, NOTIFICATION_HOME_HOOK_URL: 'http://hooks.lan:8080//arr-token-9f?' });
    expect(code).toBe(1);
    expect(out).toMatch(/ERROR: radarr: connection Home Hook: not created, HTTP 400: .*\[POST\] at \[\[masked\]\]/);
    expect(out).toContain('seen from http://radarr.media.svc.cluster.local:7878/api');
    expect(out).not.toContain('arr-token-9f');
  });
});
