/** A tiny Markdown builder for the generated runbooks. */
export class Md {
  private readonly lines: string[] = [];

  h(level: number, text: string): this {
    if (this.lines.length && this.lines[this.lines.length - 1] !== '') this.lines.push('');
    this.lines.push(`${'#'.repeat(level)} ${text}`, '');
    return this;
  }

  p(...text: string[]): this {
    this.lines.push(text.join(' '), '');
    return this;
  }

  /** A bullet list (items may contain inline Markdown). */
  ul(items: readonly string[]): this {
    if (items.length === 0) return this;
    for (const i of items) this.lines.push(`- ${i}`);
    this.lines.push('');
    return this;
  }

  ol(items: readonly string[], start = 1): this {
    if (items.length === 0) return this;
    items.forEach((i, n) => this.lines.push(`${n + start}. ${i}`));
    this.lines.push('');
    return this;
  }

  /** A shell block: one command per entry; `# …` entries are comments. */
  sh(commands: readonly string[]): this {
    if (commands.length === 0) return this;
    this.lines.push('```sh', ...commands, '```', '');
    return this;
  }

  code(lang: string, text: string): this {
    this.lines.push(`\`\`\`${lang}`, text.replace(/\n$/, ''), '```', '');
    return this;
  }

  table(head: readonly string[], rows: readonly (readonly string[])[]): this {
    if (rows.length === 0) return this;
    const cell = (s: string) => s.replace(/\|/g, '\\|').replace(/\n/g, ' ');
    this.lines.push(`| ${head.map(cell).join(' | ')} |`, `|${head.map(() => '---').join('|')}|`);
    for (const r of rows) this.lines.push(`| ${r.map(cell).join(' | ')} |`);
    this.lines.push('');
    return this;
  }

  raw(...lines: string[]): this {
    this.lines.push(...lines);
    return this;
  }

  /** Appends what another builder wrote. */
  append(other: Md): this {
    this.lines.push(...other.lines);
    return this;
  }

  get isEmpty(): boolean {
    return this.lines.length === 0;
  }

  toString(): string {
    const out = [...this.lines];
    while (out.length && out[out.length - 1] === '') out.pop();
    return `${out.join('\n')}\n`;
  }
}

/** Inline code. */
export const c = (s: string | number) => `\`${s}\``;
