import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import ts from 'typescript';

/**
 * The configuration reference (`docs/configuration.md`), generated from the doc comments of
 * `src/config/types.ts` and the app modules' `src/apps/<app>/config.ts` with the TypeScript compiler API: every field reachable from
 * `StackConfig`, its type, its `@default` and its description. Regenerate with
 * `npx tsx scripts/config-reference.ts` (CI checks it with `--check`).
 */

export interface ConfigField {
  /** Dotted path, e.g. `storage.media.server`. */
  readonly path: string;
  /** Interface and property that declare it, e.g. `NfsExport.server`. */
  readonly declaredIn: string;
  /** The type as written, without `readonly`/`Readonly<…>`; the interface name for objects. */
  readonly type: string;
  readonly optional: boolean;
  /** Text of the `@default` tag, if any. */
  readonly default?: string;
  /** The doc comment without tags ('' if none). */
  readonly description: string;
  /** The field has a doc comment at all. */
  readonly documented: boolean;
  /** Name of the interface of an object-valued field (its fields follow in the list). */
  readonly object?: string;
}

export interface ConfigReference {
  readonly fields: ConfigField[];
  /** Doc comment of every interface, by name. */
  readonly interfaceDocs: ReadonlyMap<string, string>;
  /** The file's leading doc comment. */
  readonly fileDoc: string;
}

const squash = (s: string) =>
  s
    .replace(/\s*\n\s*/g, ' ')
    .replace(/\s+/g, ' ')
    .trim();

function jsDocOf(node: ts.Node): { text: string; tags: Map<string, string>; present: boolean } {
  const tags = new Map<string, string>();
  let text = '';
  let present = false;
  for (const doc of ts.getJSDocCommentsAndTags(node)) {
    if (!ts.isJSDoc(doc)) continue;
    present = true;
    text = [text, squash(ts.getTextOfJSDocComment(doc.comment) ?? '')].filter(Boolean).join(' ');
    for (const tag of doc.tags ?? []) tags.set(tag.tagName.text, squash(ts.getTextOfJSDocComment(tag.comment) ?? ''));
  }
  return { text, tags, present };
}

/** One file that declares config types: its path (for messages) and its text. */
export interface ConfigSource {
  readonly fileName: string;
  readonly text: string;
}

/**
 * The files the config types live in, in the order their fields are documented: the shared
 * sections (src/config/types.ts), then each registry module's config.ts (its `apps` field), then
 * the other config.ts files under src/apps (shared shapes such as the Servarr one).
 * `moduleFolders` are the registry's folders with a config, in registry order (the caller reads
 * the registry, so the docs do not import the apps, whose runbook sections import the docs).
 */
function configSourcePaths(root: string, moduleFolders: readonly string[]): string[] {
  const modules = moduleFolders.map((folder) => `src/apps/${folder}/config.ts`);
  const others = readdirSync(join(root, 'src/apps'), { withFileTypes: true })
    .filter((d) => d.isDirectory() && existsSync(join(root, 'src/apps', d.name, 'config.ts')))
    .map((d) => `src/apps/${d.name}/config.ts`)
    .filter((f) => !modules.includes(f))
    .sort();
  return ['src/config/types.ts', ...modules, ...others];
}

/** Reads the config sources of the checkout at `root`. */
export function readConfigSources(root: string, moduleFolders: readonly string[]): ConfigSource[] {
  return configSourcePaths(root, moduleFolders).map((fileName) => ({ fileName, text: readFileSync(join(root, fileName), 'utf8') }));
}

/**
 * Reads every field reachable from `root` in the config sources. An interface declared in several
 * files (`AppsConfig`, which each app module extends with `declare module`) has the members of
 * all of them, in file order.
 */
export function readConfigReference(input: string | readonly ConfigSource[], root = 'StackConfig'): ConfigReference {
  const sources = typeof input === 'string' ? [{ fileName: 'types.ts', text: input }] : input;
  const interfaces = new Map<string, ts.InterfaceDeclaration[]>();
  const collect = (statements: ts.NodeArray<ts.Statement>) => {
    for (const st of statements) {
      if (ts.isInterfaceDeclaration(st)) interfaces.set(st.name.text, [...(interfaces.get(st.name.text) ?? []), st]);
      else if (ts.isModuleDeclaration(st) && st.body && ts.isModuleBlock(st.body)) collect(st.body.statements);
    }
  };
  for (const { fileName, text } of sources) collect(ts.createSourceFile(fileName, text, ts.ScriptTarget.ES2022, true, ts.ScriptKind.TS).statements);
  const interfaceDocs = new Map([...interfaces].map(([n, decls]) => [n, decls.map((d) => jsDocOf(d).text).find(Boolean) ?? '']));
  const source = sources[0]?.text ?? '';
  const leading = ts.getLeadingCommentRanges(source, 0)?.find((r) => source.startsWith('/**', r.pos));
  const fileDoc = leading
    ? squash(
        source
          .slice(leading.pos + 3, leading.end - 2)
          .split('\n')
          .map((l) => l.replace(/^\s*\* ?/, ''))
          .join('\n'),
      )
    : '';

  const members = (decls: readonly ts.InterfaceDeclaration[]): ts.PropertySignature[] =>
    decls.flatMap((iface) => {
      const inherited = (iface.heritageClauses ?? []).flatMap((h) =>
        h.types.flatMap((t) => {
          const base = ts.isIdentifier(t.expression) ? interfaces.get(t.expression.text) : undefined;
          return base ? members(base) : [];
        }),
      );
      return [...inherited, ...iface.members.filter(ts.isPropertySignature)];
    });
  /** The interface an object-valued type refers to (through Partial/Readonly), if any. */
  const objectOf = (type: ts.TypeNode | undefined): string | undefined => {
    if (!type || !ts.isTypeReferenceNode(type) || !ts.isIdentifier(type.typeName)) return undefined;
    const name = type.typeName.text;
    if (interfaces.has(name)) return name;
    if ((name === 'Partial' || name === 'Readonly') && type.typeArguments?.length === 1) return objectOf(type.typeArguments[0]);
    return undefined;
  };
  const typeText = (type: ts.TypeNode | undefined): string => {
    if (!type) return 'unknown';
    const obj = objectOf(type);
    const text = obj ?? type.getText();
    return squash(text.replace(/\breadonly\s+/g, '').replace(/^Readonly<(.*)>$/, '$1'));
  };

  const fields: ConfigField[] = [];
  const walk = (ifaceName: string, prefix: string, stack: string[]) => {
    const decls = interfaces.get(ifaceName);
    if (!decls || stack.includes(ifaceName)) return;
    for (const m of members(decls)) {
      const name = m.name.getText();
      const doc = jsDocOf(m);
      const obj = objectOf(m.type);
      const owner = (m.parent as ts.InterfaceDeclaration).name.text;
      fields.push({
        path: prefix ? `${prefix}.${name}` : name,
        declaredIn: `${owner}.${name}`,
        type: typeText(m.type),
        optional: Boolean(m.questionToken),
        ...(doc.tags.has('default') ? { default: doc.tags.get('default')! } : {}),
        description: doc.text,
        documented: doc.present,
        ...(obj ? { object: obj } : {}),
      });
      if (obj) walk(obj, prefix ? `${prefix}.${name}` : name, [...stack, ifaceName]);
    }
  };
  walk(root, '', []);
  return { fields, interfaceDocs, fileDoc };
}

/** Fields without a doc comment or without `@default`, as `Interface.field` (each once). */
export function undocumentedFields(ref: ConfigReference): { declaredIn: string; paths: string[]; problem: string }[] {
  const byDecl = new Map<string, { declaredIn: string; paths: string[]; problem: string }>();
  for (const f of ref.fields) {
    const problem = !f.documented ? 'no doc comment' : f.default === undefined ? 'no @default' : undefined;
    if (!problem) continue;
    const e = byDecl.get(f.declaredIn) ?? { declaredIn: f.declaredIn, paths: [], problem };
    e.paths.push(f.path);
    byDecl.set(f.declaredIn, e);
  }
  return [...byDecl.values()];
}

const cell = (s: string) => s.replace(/\|/g, '\\|');
const LITERAL = /^('(?:[^'\\]|\\.)*'|"(?:[^"\\]|\\.)*"|-?\d+(?:\.\d+)?|true|false|\[[^\]]*\]|\{[^}]*\})/;

/** The leading literal of a `@default` text (`'x'`, `109`, `['a']`, `{ a: 'b' }`), if it starts with one. */
export function defaultLiteral(text: string | undefined): string | undefined {
  if (text === undefined) return undefined;
  return LITERAL.exec(text.trim())?.[1];
}

function defaultCell(f: ConfigField): string {
  if (f.default === undefined) return '**undocumented**';
  const d = f.default.trim();
  if (d === '-') return '—';
  if (d.startsWith('- ')) return `— ${d.slice(2)}`;
  const lit = defaultLiteral(d);
  return lit ? `\`${lit}\`${d.slice(lit.length)}` : d;
}

/** The Markdown page. */
export function renderConfigReference(ref: ConfigReference, sourcePath = 'src/config/types.ts and src/apps/*/config.ts'): string {
  const out: string[] = [
    '# Configuration reference',
    '',
    `<!-- Generated from ${sourcePath} by \`npx tsx scripts/config-reference.ts\`. Do not edit by hand. -->`,
    '',
    ref.fileDoc,
    '',
    'A config file exports a `StackConfigInput` (`defineConfig({...})` in TypeScript, or the same shape in JSON/YAML): every field is optional and an omitted field takes its default. "—" means no default value; the text after it says what happens then. Unknown fields and invalid values fail with the field, the value and the fix.',
    '',
  ];
  // One section per object: the top level first, then every object field depth-first.
  const sections: { path: string; iface: string }[] = [{ path: '', iface: 'StackConfig' }];
  for (const f of ref.fields) if (f.object) sections.push({ path: f.path, iface: f.object });
  out.push('## Contents', '');
  for (const s of sections) out.push(`${'  '.repeat(s.path ? s.path.split('.').length - 1 : 0)}- [${s.path ? `\`${s.path}\`` : 'Top level'}](#${anchor(s)})`);
  out.push('');
  const rendered = new Map<string, string>();
  for (const s of sections) {
    const depth = s.path ? s.path.split('.').length : 0;
    const direct = ref.fields.filter((f) => (depth === 0 ? !f.path.includes('.') : f.path.startsWith(`${s.path}.`) && f.path.split('.').length === depth + 1));
    out.push(`## ${s.path ? `\`${s.path}\`` : 'Top level'} <a id="${anchor(s)}"></a>`, '');
    const doc = ref.interfaceDocs.get(s.iface);
    const first = rendered.get(s.iface);
    if (first !== undefined && direct.every((f) => !f.object)) {
      // A repeated shape (e.g. the resources of every app): point to its first table.
      out.push(`Type \`${s.iface}\`: the fields of [\`${first}\`](#${anchor({ path: first })}), here ${direct.map((f) => `\`${f.path}\``).join(', ')}.`, '');
      continue;
    }
    if (s.path) rendered.set(s.iface, s.path);
    out.push(`Type \`${s.iface}\`.${doc ? ` ${doc}` : ''}`, '');
    out.push('| Field | Type | Default | Description |', '|---|---|---|---|');
    for (const f of direct) {
      const name = f.object ? `[\`${f.path}\`](#${anchor({ path: f.path })})` : `\`${f.path}\``;
      out.push(
        `| ${name} | \`${cell(f.type)}\`${f.optional ? ' (optional)' : ''} | ${cell(defaultCell(f))} | ${cell(f.description || (f.documented ? '' : '**undocumented**'))} |`,
      );
    }
    out.push('');
  }
  return `${out.join('\n').replace(/\n+$/, '')}\n`;
}

function anchor(s: { path: string }): string {
  return s.path ? `cfg-${s.path.replace(/\./g, '-').toLowerCase()}` : 'cfg-top-level';
}

/** The reference page for the config sources (see `readConfigSources`). */
export function configReferenceMarkdown(sources: readonly ConfigSource[]): string {
  return renderConfigReference(readConfigReference(sources));
}
