import { execFileSync } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import JSON5 from 'json5';
import { beforeAll, describe, expect, it } from 'vitest';
import { parseAllDocuments } from 'yaml';
import { imageRepository } from '../../src/gates/behaviour-facts.js';
import { containersOf, podTemplates } from '../../src/gates/pod-specs.js';
import { parseImage } from '../../src/gates/security.js';
import type { KubeObject } from '../../src/output/model.js';
import { bareEnv, copyOfRepo, DEMO_KEY, npmRunIn, PROJECT, readTree } from '../stack/support.js';
import { objectsOf } from '../helpers.js';
import { constructStack } from '../../src/pipeline/construct.js';
import { loadConfig } from '../../src/stack-config.js';

interface RegexManager {
  readonly customType: string;
  readonly managerFilePatterns: string[];
  readonly matchStrings: string[];
  readonly matchStringsStrategy?: string;
  readonly autoReplaceStringTemplate: string;
}
const config = JSON5.parse<{ customManagers: RegexManager[]; postUpgradeTasks: { commands: string[]; fileFilters: string[] } }>(
  readFileSync(join(PROJECT, 'renovate.json5'), 'utf8'),
);
const manager = config.customManagers.find((m) => m.customType === 'regex')!;

/** Every source file below `dir`, relative to the project. */
function sourceFiles(dir: string): string[] {
  return readdirSync(join(PROJECT, dir), { recursive: true, withFileTypes: true })
    .filter((e) => e.isFile() && e.name.endsWith('.ts'))
    .map((e) => relative(PROJECT, join(e.parentPath, e.name)));
}

/** `managerFilePatterns` as Renovate reads them: `/…/` is a regular expression (the others would be globs; we use none). */
const filePatterns = manager.managerFilePatterns.map((p) => {
  expect(p, 'a managerFilePattern in /…/ regex form').toMatch(/^\/.+\/$/);
  return new RegExp(p.slice(1, -1));
});
const managedFiles = sourceFiles('src').filter((f) => filePatterns.some((r) => r.test(f)));

interface Extracted {
  readonly file: string;
  readonly groups: Record<string, string | undefined>;
  /** What Renovate replaces with the rendered autoReplaceStringTemplate. */
  readonly replaceString: string;
}

/**
 * Renovate's `recursive` strategy (lib/modules/manager/custom/regex/strategies.ts): each match
 * string, compiled with flag `g` as `regEx(matchString, 'g')` does, runs over the previous one's
 * match; the groups merge and the last match is the replace string.
 */
function extract(file: string, content: string): Extracted[] {
  const regexes = manager.matchStrings.map((s) => new RegExp(s, 'g'));
  const walk = (text: string, i: number, groups: Record<string, string | undefined>): Extracted[] =>
    i === regexes.length
      ? [{ file, groups, replaceString: text }]
      : [...text.matchAll(regexes[i]!)].flatMap((m) =>
          walk(m[0], i + 1, { ...groups, ...Object.fromEntries((Object.entries(m.groups ?? {}) as [string, string | undefined][]).filter(([, v]) => v !== undefined)) }),
        );
  return walk(content, 0, {});
}

/** The Handlebars subset the template uses: `{{{x}}}` and `{{#if x}}…{{/if}}`; anything else fails the test. */
function render(template: string, values: Record<string, string | undefined>): string {
  const out = template
    .replace(/\{\{#if (\w+)\}\}(.*?)\{\{\/if\}\}/g, (_, k: string, body: string) => (values[k] ? body : ''))
    .replace(/\{\{\{(\w+)\}\}\}/g, (_, k: string) => values[k] ?? '');
  expect(out, `template ${template} uses more than {{{x}}} and {{#if x}}`).not.toMatch(/[{}]{2}/);
  return out;
}

const extracted = managedFiles.flatMap((f) => extract(f, readFileSync(join(PROJECT, f), 'utf8')));
const FAKE_DIGEST = `sha256:${'0123456789abcdef'.repeat(4)}`;
/** A quoted string that looks like an image reference (registry/path/name:version[@digest]; a version starts with a digit or v<digit>). */
const IMAGE_LITERAL = /'((?:[a-z0-9.-]+\/)*[a-z0-9._-]+:v?\d[A-Za-z0-9_.-]*(?:@sha256:[0-9a-f]{64})?)'/g;

/** Every image a config's output runs: container images and the linuxserver Docker mods (DOCKER_MODS). */
function imagesIn(objects: readonly KubeObject[]): string[] {
  const out = new Set<string>();
  for (const t of podTemplates(objects)) {
    for (const c of containersOf(t)) {
      if (c.container.image) out.add(c.container.image);
      for (const e of c.container.env ?? []) if (e.name === 'DOCKER_MODS' && e.value) for (const mod of e.value.split('|')) out.add(mod);
    }
  }
  return [...out].sort();
}

describe('renovate.json5: the regex manager for the pinned images', () => {
  it('uses only what RE2 (Renovate’s regex engine) supports: no lookaround, no backreference', () => {
    for (const s of manager.matchStrings) expect(s).not.toMatch(/\(\?<?[=!]|\\k<|\\[1-9]/);
    expect(manager.matchStringsStrategy).toBe('recursive');
  });

  it('manages src/lib/images.ts and every facts.ts that pins an image', () => {
    expect(managedFiles).toContain('src/lib/images.ts');
    const withComment = sourceFiles('src').filter((f) => readFileSync(join(PROJECT, f), 'utf8').includes('// renovate:'));
    expect(withComment.sort()).toEqual(managedFiles.filter((f) => withComment.includes(f)).sort());
    expect(withComment.length).toBeGreaterThan(15);
  });

  it('extracts from every `// renovate:` comment the datasource, the depName (= the image name on the next line), the tag and the digest', () => {
    const comments = managedFiles.reduce((n, f) => n + (readFileSync(join(PROJECT, f), 'utf8').match(/\/\/ renovate: datasource=/g)?.length ?? 0), 0);
    expect(extracted).toHaveLength(comments);
    for (const e of extracted) {
      const where = `${e.file}: ${e.replaceString}`;
      expect(e.groups.datasource, where).toBe('docker');
      const image = parseImage(e.replaceString.slice(1, -1))!;
      expect(imageRepository(image.ref), where).toBe(e.groups.depName);
      expect(e.groups.currentValue, where).toBe(image.tag);
      expect(e.groups.currentDigest, where).toBe(image.digest);
    }
    expect(extracted.find((e) => e.groups.depName === 'lscr.io/linuxserver/plex')?.groups.currentValue).toMatch(/^\d+\.\d+\.\d+\.\d+-[0-9a-f]+-ls\d+$/);
  });

  it('leaves no image line without a renovate comment: every image literal in src and every image the examples run is managed', async () => {
    const managed = new Set(extracted.map((e) => e.replaceString.slice(1, -1)));
    let literals = 0;
    for (const f of sourceFiles('src')) {
      for (const m of readFileSync(join(PROJECT, f), 'utf8').matchAll(IMAGE_LITERAL)) {
        literals++;
        expect(managed.has(m[1]!), `${f}: '${m[1]}' has no renovate comment above it`).toBe(true);
      }
    }
    expect(literals).toBeGreaterThanOrEqual(managed.size);
    const singleNode = constructStack(await loadConfig('examples/single-node.ts')).placement.objects.map((p) => p.object);
    const used = [...new Set([...imagesIn(objectsOf().objects), ...imagesIn(singleNode)])];
    expect(used.length).toBeGreaterThan(15);
    for (const image of used) expect(managed.has(image), `${image} runs but no renovate comment manages it`).toBe(true);
  });

  it('matches tag@sha256 pins too, and a bump rewrites only the quoted image (round trip through the template)', () => {
    for (const e of extracted) {
      const pinned = render(manager.autoReplaceStringTemplate, { depName: e.groups.depName, newValue: e.groups.currentValue, newDigest: FAKE_DIGEST });
      expect(pinned).toBe(`'${e.groups.depName}:${e.groups.currentValue}@${FAKE_DIGEST}'`);
      const content = readFileSync(join(PROJECT, e.file), 'utf8').replace(e.replaceString, pinned);
      const again = extract(e.file, content).find((x) => x.groups.depName === e.groups.depName)!;
      expect(again.groups.currentDigest).toBe(FAKE_DIGEST);
      expect(again.groups.currentValue).toBe(e.groups.currentValue);
      // without a digest the template writes the plain tag back
      expect(render(manager.autoReplaceStringTemplate, { depName: e.groups.depName, newValue: e.groups.currentValue })).toBe(
        e.replaceString.replace(/@sha256:[0-9a-f]{64}'$/, "'"),
      );
    }
  });

  it('re-synthesizes through a script that shellcheck accepts, committing only generated files', () => {
    expect(config.postUpgradeTasks.commands).toEqual(['bash scripts/renovate-post-upgrade.sh']);
    expect(() => execFileSync('shellcheck', [join(PROJECT, 'scripts/renovate-post-upgrade.sh')], { stdio: 'pipe' })).not.toThrow();
    expect(config.postUpgradeTasks.fileFilters).toEqual(expect.arrayContaining(['dist/**', 'test/**/__snapshots__/**']));
  });
});

describe('image references with a digest (what a Renovate PR writes)', () => {
  it('parse into repository, tag and digest in both gates', () => {
    const ref = `registry.lan:5000/team/app:1.2.3@${FAKE_DIGEST}`;
    expect(imageRepository(ref)).toBe('registry.lan:5000/team/app');
    expect(parseImage(ref)).toEqual({ ref, tag: '1.2.3', digest: FAKE_DIGEST });
    expect(imageRepository(`busybox@${FAKE_DIGEST}`)).toBe('busybox');
    expect(parseImage(`busybox@${FAKE_DIGEST}`)).toEqual({ ref: `busybox@${FAKE_DIGEST}`, digest: FAKE_DIGEST });
  });

  describe('a copy of the repository with every image pinned by digest', () => {
    const repo = join(mkdtempSync(join(tmpdir(), 'renovate-pr-')), 'repo');
    const home = mkdtempSync(join(tmpdir(), 'home-'));
    let before: Map<string, string>;
    let after: Map<string, string>;
    let synth: Awaited<ReturnType<typeof npmRunIn>>;

    beforeAll(async () => {
      copyOfRepo(repo);
      before = readTree(join(repo, 'dist'));
      for (const file of managedFiles) {
        let text = readFileSync(join(repo, file), 'utf8');
        for (const e of extract(file, text))
          text = text.replace(e.replaceString, render(manager.autoReplaceStringTemplate, { ...e.groups, newValue: e.groups.currentValue, newDigest: FAKE_DIGEST }));
        writeFileSync(join(repo, file), text);
      }
      // what scripts/renovate-post-upgrade.sh runs (npm ci aside: node_modules is linked)
      synth = await npmRunIn(repo, home, 'synth', [], { SOPS_AGE_KEY_FILE: DEMO_KEY });
      after = readTree(join(repo, 'dist'));
    }, 240_000);

    it('synthesizes and passes the gates; every image of the output carries the digest, no longer a tag-only warning', () => {
      expect(synth.code, synth.stderr).toBe(0);
      expect(synth.stderr + synth.stdout).not.toMatch(/pinned by tag without a digest/);
      const objects = [...after.entries()]
        .filter(([p]) => p.startsWith('clusters/') && p.endsWith('.yaml'))
        .flatMap(([, t]) => parseAllDocuments(t).map((d) => d.toJS() as KubeObject));
      const images = imagesIn(objects);
      expect(images.length).toBeGreaterThan(10);
      for (const image of images) expect(parseImage(image)?.digest, image).toBe(FAKE_DIGEST);
      // the ClusterPlex workers still run the identical Plex build
      const pods = podTemplates(objects);
      const imageOf = (name: string) => containersOf(pods.find((p) => p.object.metadata.name === name)!)[0]!.container.image;
      expect(imageOf('clusterplex-worker')).toBe(imageOf('plex'));
    });

    it('changes dist/ only where an image is printed, and only by the digest', () => {
      expect([...after.keys()].sort()).toEqual([...before.keys()].sort());
      let changedLines = 0;
      for (const [path, text] of after) {
        const old = before.get(path)!.split('\n');
        text.split('\n').forEach((line, i) => {
          if (line === old[i]) return;
          changedLines++;
          expect(line.split(`@${FAKE_DIGEST}`).join(''), path).toBe(old[i]);
        });
      }
      expect(changedLines).toBeGreaterThan(10);
    });

    it('is a fixed point: a second synth as CI runs it (no identity) changes no byte', async () => {
      const again = await npmRunIn(repo, home, 'synth', [], { HOME: bareEnv().HOME });
      expect(again.code, again.stderr).toBe(0);
      expect(readTree(join(repo, 'dist'))).toEqual(after);
    });
  });
});
