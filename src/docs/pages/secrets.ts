import { infisicalKeyName } from '../../secrets/external-secrets.js';
import { secretEnvVarName } from '../../secrets/model.js';
import { AGE_KEY_FILE, NEW_KEY_FILE, type Facts } from '../facts.js';
import { c, Md } from '../md.js';
import type { Workload } from '../model.js';
import type { RunbookPage } from '../page.js';

/** Reading and changing the Secrets, recipients, key rotation, a leak and a lost key. */

// ─── secrets ────────────────────────────────────────────────────────────────────────────────

function secrets(f: Facts): string {
  const v = f.v;
  const md = new Md();
  const fluxNs = v.fluxNamespace;
  const sopsSecret = v.sopsSecretName;
  md.h(1, 'Secrets: recovery and key rotation');
  if (v.cfg.secrets.backend === 'sops')
    md.p(`Paths are relative to the output folder (the root of this tree). ${c('sops')} finds your identity through ${c('SOPS_AGE_KEY_FILE')} (default ${c(AGE_KEY_FILE)}).`);
  const rows = v.secretRequests.map((r) => [
    c(`${r.namespace}/${r.name}`),
    r.keys.map((k) => c(k.key)).join(', '),
    r.keys
      .map((k) => (k.source.kind === 'generated' ? `${k.key}: generated once, kept` : `${k.key}: you supply it${k.source.optional ? ' (optional)' : ''} — ${k.source.description}`))
      .join('; '),
    v.cfg.secrets.backend === 'sops' ? c(r.path) : r.keys.map((k) => c(infisicalKeyName(r.name, k.key))).join(', '),
  ]);
  md.table(['Secret', 'Keys', 'Values', v.cfg.secrets.backend === 'sops' ? 'File' : 'Infisical keys'], rows);

  if (v.cfg.secrets.backend === 'external-secrets') {
    const i = v.cfg.secrets.infisical;
    md.p(
      `Values live in Infisical (${i.hostAPI}, project ${c(i.projectSlug)}, environment ${c(i.environmentSlug)}, folder ${c(i.secretsPath)}); nothing secret is in Git. To change a value, change it in Infisical; the operator syncs it within the refresh interval. Pods read Secrets at start, so restart the consumer:`,
    );
    md.sh(f.arrs.slice(0, 1).map((w) => `kubectl rollout restart ${w.ref} ${f.n(w)}`));
    return md.toString();
  }

  md.h(2, 'Reading a value');
  md.p('Decrypt the committed file; nothing needs cluster access:');
  const first = v.secretRequests[0];
  if (first) md.sh([`sops -d ${first.path}`, `sops -d --extract '["stringData"]["${first.keys[0]!.key}"]' ${first.path}`]);

  md.h(2, 'Changing a value you supply');
  const op = v.secretRequests.flatMap((r) => r.keys.filter((k) => k.source.kind === 'operator').map((k) => ({ r, k })))[0];
  md.p(
    'Supply the new value through one of the sources (environment variable, the gitignored `secrets.local.yaml`, or `secrets.sops.yaml` edited with `sops`), synthesize, commit and push. Pods read Secrets at start: restart the consumer once Flux applied the change.',
  );
  if (op) {
    const consumer = v.workloads.find((w) => w.pod.containers.some((x) => x.env?.some((e) => e.valueFrom?.secretKeyRef?.name === op.r.name)));
    md.sh([
      `export ${secretEnvVarName(op.r.name, op.k.key)}=<new value>`,
      'npm run synth -- --config <your-config.ts> --out <output folder>',
      ...(consumer ? [`kubectl rollout restart ${consumer.ref} ${f.n(consumer)}`] : []),
    ]);
  }

  md.h(2, 'Adding or removing a recipient');
  md.p('A second admin, or a backup key kept offline: add its recipient; every Secret file is re-encrypted with your identity. Nothing changes in the cluster.');
  md.sh(['npm run keys -- add age1… --out <output folder>', 'npm run keys -- remove age1… --out <output folder>']);

  md.h(2, 'Rotating the key');
  md.p(
    `When an identity may have leaked (a lost laptop, a departed admin), or to retire an old one. Keep the cluster able to decrypt both the old and the new files until Flux has applied the new ones. ` +
      `Add ${c('--regenerate')} when the values themselves may be known to someone else (see "After a leak" below).`,
  );
  md.ol([
    `${c(`npm run keys -- rotate --key-file ${NEW_KEY_FILE} --out <output folder>`)} — writes a new identity to that file (an existing identity file is never overwritten), makes it the recipient in ${c('.sops.yaml')} instead of the current ones (${c('--keep age1…')} keeps one) and re-encrypts every Secret file (and ${c('secrets.sops.yaml')}) with a new data key, so the old identity and an old copy from Git history no longer open them.`,
    `Give the cluster both identities, so it decrypts the files in Git before and after your push: ${c(`cat ${AGE_KEY_FILE} ${NEW_KEY_FILE} > /tmp/both.agekey`)}, then replace the Secret with it (below).`,
    'Commit and push the re-encrypted files; wait until `flux get kustomizations` is Ready everywhere.',
    `Replace the Secret again with ${c(NEW_KEY_FILE)} alone, delete ${c('/tmp/both.agekey')}, use the new file from now on (${c(`SOPS_AGE_KEY_FILE=${NEW_KEY_FILE}`)}, or move it to ${c(AGE_KEY_FILE)}), back it up, and destroy the old key (also in its backups).`,
  ]);
  if (sopsSecret) {
    const decrypting = v.fluxKustomizations.filter((k) => k.spec.decryption?.secretRef?.name === sopsSecret);
    const retry = [...new Set(decrypting.map((k) => k.spec.retryInterval).filter((x): x is string => Boolean(x)))];
    md.p(
      `Replacing the Secret does not trigger anything by itself: a Kustomization that failed to decrypt retries on its own after its ${c('retryInterval')}${retry.length ? ` (${retry.map(c).join(', ')})` : ''}, and reconciling one Kustomization does not re-run the others. To retry at once, fetch the source and reconcile each one that decrypts:`,
    );
    md.sh([
      `kubectl create secret generic ${sopsSecret} --namespace=${fluxNs} --from-file=age.agekey=/tmp/both.agekey --dry-run=client -o yaml | kubectl apply -f -`,
      `flux reconcile source git ${v.cfg.flux.sourceName} -n ${fluxNs}`,
      ...decrypting.map((k) => `flux reconcile kustomization ${k.metadata.name} -n ${fluxNs}`),
      `flux get kustomizations -n ${fluxNs}   # Ready everywhere`,
    ]);
  }

  afterALeak(f, md);

  const uiKeys = f.uiStoredKeys;
  md.h(2, 'The key is lost');
  md.p('In this order:');
  md.ol([
    `Restore it from the backup into ${c(AGE_KEY_FILE)} and check: ${c(`sops -d ${first?.path ?? '<file>'} >/dev/null && echo ok`)}.`,
    ...(sopsSecret
      ? [
          `No backup, but the cluster still runs: the identity is in the cluster. Copy it out, store it (and a backup), then rotate (above) if the workstation that lost it may have leaked it: ${c(`kubectl get secret ${sopsSecret} -n ${fluxNs} -o jsonpath='{.data.age\\.agekey}' | base64 -d > ${AGE_KEY_FILE}`)}.`,
        ]
      : []),
    `Both gone: the files cannot be decrypted by anyone. Create a new identity (${c('npm run keys -- init')}), delete the old ${c('*.sops.yaml')} Secret files from the output folder, supply every operator value again and synthesize: new files are created, with new generated values. The *arr apps read their API key from the Secret (${c('*__AUTH__APIKEY')}) and so do their clients that are configured by the environment, so they follow after a restart${uiKeys.length ? `; re-enter the new keys where a UI stored the old one (${uiKeys.join(', ')} — see [post-deploy.md](post-deploy.md))` : ''}. Then replace ${c(`${fluxNs}/${sopsSecret ?? 'sops-age'}`)} with the new identity.`,
  ]);
  md.p(
    'Test the backup once a quarter: decrypt one file with the backup copy alone, e.g.',
    c(`SOPS_AGE_KEY_FILE=<backup copy> sops -d ${first?.path ?? '<file>'} >/dev/null && echo ok`) + '.',
  );
  return md.toString();
}

/**
 * What `keys rotate --regenerate` means for the running apps: which values are new, what reads
 * them again (pods read Secrets at start; PostgreSQL's superuser password only at initdb) and
 * what the operator must change at the source.
 */
function afterALeak(f: Facts, md: Md): void {
  const v = f.v;
  const generated = v.secretRequests.filter((r) => r.keys.some((k) => k.source.kind === 'generated'));
  const operator = v.secretRequests.flatMap((r) => r.keys.filter((k) => k.source.kind === 'operator').map((k) => c(`${r.name}/${k.key}`)));
  const readsSecret = (w: Workload, name: string) =>
    [...(w.pod.initContainers ?? []), ...w.pod.containers].some((x) => x.env?.some((e) => e.valueFrom?.secretKeyRef?.name === name));
  const restartable = new Set(['Deployment', 'StatefulSet', 'DaemonSet']);
  const readers = v.workloads.filter((w) => generated.some((r) => readsSecret(w, r.name)));
  const consumers = readers.filter((w) => restartable.has(w.kind));
  const jobs = readers.filter((w) => !restartable.has(w.kind));
  md.h(2, 'After a leak: new values');
  md.p(
    `When the Secret files or their plaintext may be known to someone else (a leaked identity together with the Git history, a copied output, the public demo key), a new identity is not enough: the values must change too. ` +
      `${c(`npm run keys -- rotate --key-file ${NEW_KEY_FILE} --out <output folder> --regenerate --config <your config>`)} rotates as above and then synthesizes with every generated value generated anew` +
      (generated.length
        ? `: ${generated
            .map(
              (r) =>
                `${c(r.name)} (${r.keys
                  .filter((k) => k.source.kind === 'generated')
                  .map((k) => c(k.key))
                  .join(', ')})`,
            )
            .join(', ')}`
        : '') +
      `. (${c('npm run synth -- --regenerate-secrets')} does the same without a rotation.) Then, after Flux applied the new files:`,
  );
  const steps: string[] = [];
  const pg = v.workloads.find((w) => w.kind === 'StatefulSet' && w.pod.containers.some((x) => x.env?.some((e) => e.name === 'POSTGRES_PASSWORD' && e.valueFrom?.secretKeyRef)));
  if (pg) {
    const ctr = pg.pod.containers.find((x) => x.env?.some((e) => e.name === 'POSTGRES_PASSWORD'))!;
    const ref = ctr.env!.find((e) => e.name === 'POSTGRES_PASSWORD')!.valueFrom!.secretKeyRef!;
    const user = ctr.env!.find((e) => e.name === 'POSTGRES_USER')?.value ?? 'postgres';
    const read = f.readSecret(ref.name, ref.key)[0];
    if (read) {
      steps.push(
        `PostgreSQL takes ${c('POSTGRES_PASSWORD')} only when it initializes an empty data directory, so set the new superuser password in the running server first (the image trusts local connections inside the container): ` +
          `${c(`printf "ALTER ROLE ${user} PASSWORD '%s';\\n" "$(${read})" | kubectl exec -i ${f.pod(pg)} ${f.n(pg)} -c ${ctr.name} -- psql -U ${user}`)}. The apps' own database passwords are set again by their ${c('postgres-init')} container on every start.`,
      );
    }
  }
  if (consumers.length) {
    steps.push(
      `Pods read Secrets when they start; nothing restarts by itself. Restart every workload that reads a regenerated value — each new value reaches all its consumers through the same Secret (the *arr apps read their API key from ${c('*__AUTH__APIKEY')} at start, and so do the clients configured by the environment):`,
    );
  }
  md.ol(steps.length ? steps : ['Restart the consumers of the changed Secrets.']);
  if (consumers.length) md.sh(consumers.map((w) => `kubectl rollout restart ${w.ref} ${f.n(w)}`));
  if (jobs.length) md.p(`${jobs.map((w) => c(w.ref)).join(', ')} read${jobs.length === 1 ? 's' : ''} the new values on ${jobs.length === 1 ? 'its' : 'their'} next run.`);
  const ui = f.uiStoredKeys;
  if (ui.length) md.p(`Where a UI stored an old key, enter the new one (${ui.join(', ')} — see [post-deploy.md](post-deploy.md)).`);
  if (operator.length) {
    md.p(
      `Values you supply are not generated and stay as they are: after a leak, change each credential among them (${operator.join(', ')}) at its source — a new token or password from the provider — and supply the new ones (see "Changing a value you supply"); a new encryption does not make a leaked token secret again.`,
    );
  }
}

export const secretsPage: RunbookPage = { path: 'docs/secrets.md', title: () => 'Secrets: recovery and key rotation', render: secrets };
