// Every relative link in README.md and docs/**/*.md resolves: the file (or folder) exists, and an
// `#anchor` names a heading of that file (GitHub's heading ids). Links in code are not links.
import assert from 'node:assert/strict';
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join as joinPath, relative, resolve } from 'node:path';
import { describe, test } from 'node:test';
import { fileURLToPath } from 'node:url';

const repoRoot = joinPath(dirname(fileURLToPath(import.meta.url)), '..', '..');

function markdownFiles(): string[] {
  const files = [joinPath(repoRoot, 'README.md')];
  const walk = (dir: string) => {
    for (const name of readdirSync(dir)) {
      const p = joinPath(dir, name);
      if (statSync(p).isDirectory()) walk(p);
      else if (name.endsWith('.md')) files.push(p);
    }
  };
  walk(joinPath(repoRoot, 'docs'));
  return files;
}

/** The text without fenced code blocks and inline code spans (same line count). */
export function withoutCode(markdown: string): string {
  return markdown
    .replace(/^([ \t]*)(```|~~~)[\s\S]*?^\1\2[^\n]*$/gm, (block) => block.replace(/[^\n]/g, ''))
    .replace(/(`+)(?:(?!\1)[\s\S])*?\1/g, (span) => span.replace(/[^\n]/g, ' '));
}

/** GitHub's id of a heading's text: lower case, punctuation dropped, spaces to hyphens. */
export function slug(heading: string): string {
  return heading
    .replace(/<!--.*?-->/g, '')
    .replace(/`/g, '')
    .replace(/\[([^\]]*)\]\([^)]*\)/g, '$1')
    .trim()
    .toLowerCase()
    .replace(/[^\p{L}\p{M}\p{N}\p{Pc} -]/gu, '')
    .replace(/ /g, '-');
}

/** The anchors of a markdown file's headings, duplicates numbered as GitHub does (x, x-1, x-2). */
export function anchorsOf(markdown: string): Set<string> {
  const seen = new Map<string, number>();
  const anchors = new Set<string>();
  // Headings only outside fenced code (a `# comment` in a shell block is not one).
  const text = markdown.replace(/^([ \t]*)(```|~~~)[\s\S]*?^\1\2[^\n]*$/gm, '');
  for (const m of text.matchAll(/^#{1,6}\s+(.+?)\s*#*\s*$/gm)) {
    const base = slug(m[1]!);
    const n = seen.get(base) ?? 0;
    seen.set(base, n + 1);
    anchors.add(n === 0 ? base : `${base}-${n}`);
  }
  for (const m of markdown.matchAll(/<a\s+(?:name|id)="([^"]+)"/g)) anchors.add(m[1]!);
  return anchors;
}

/** Relative links: `[text](target)` and `[text](target "title")`, with their line numbers. */
export function relativeLinks(markdown: string): Array<{ target: string; line: number }> {
  const links: Array<{ target: string; line: number }> = [];
  const text = withoutCode(markdown);
  for (const m of text.matchAll(/\]\(\s*<?([^)\s>]+)>?(?:\s+"[^"]*")?\s*\)/g)) {
    const target = m[1]!;
    if (/^[a-z][a-z0-9+.-]*:/i.test(target)) continue; // https:, mailto:, …
    links.push({ target, line: text.slice(0, m.index).split('\n').length });
  }
  return links;
}

describe('documentation links', () => {
  test('the helpers find links, skip code, and slug headings as GitHub does', () => {
    const md = [
      '# rtc-call', '## Using `<rtc-call>`', '### Server → Deployment', '## Deployment', '## Deployment',
      'see [a](docs/a.md#x), [b](#deployment-1) and [c](https://example.org/x.md)',
      '```sh', '# not a heading', '[no](link.md)', '```', 'and `[no](code.md)` too',
    ].join('\n');
    assert.deepEqual([...anchorsOf(md)], ['rtc-call', 'using-rtc-call', 'server--deployment', 'deployment', 'deployment-1']);
    assert.deepEqual(relativeLinks(md), [{ target: 'docs/a.md#x', line: 6 }, { target: '#deployment-1', line: 6 }]);
  });

  for (const file of markdownFiles()) {
    const name = relative(repoRoot, file);
    test(`${name}: every relative link resolves`, () => {
      const markdown = readFileSync(file, 'utf8');
      const broken: string[] = [];
      for (const { target, line } of relativeLinks(markdown)) {
        const [path, anchor] = target.split('#', 2) as [string, string | undefined];
        const dest = path === '' ? file : resolve(dirname(file), decodeURIComponent(path));
        if (!existsSync(dest)) {
          broken.push(`${name}:${line}: ${target} (no file ${relative(repoRoot, dest)})`);
          continue;
        }
        if (anchor && dest.endsWith('.md') && !anchorsOf(readFileSync(dest, 'utf8')).has(anchor)) {
          broken.push(`${name}:${line}: ${target} (no heading #${anchor} in ${relative(repoRoot, dest)})`);
        }
      }
      assert.deepEqual(broken, [], `broken links:\n${broken.join('\n')}`);
    });
  }
});
