/**
 * Markdown → safe HTML for prompts, completions and guidelines.
 *
 * Raw HTML inside the markdown is shown as text, not interpreted: model
 * output that writes `<script>` or `<b>` should be seen by the annotator as
 * written. The result still goes through `sanitizeHtml`, so a renderer bug
 * cannot reach the page.
 */
import { Marked, type Tokens } from 'marked';
import { fenceUnfencedCode } from './codeLike';
import { highlight, languageOf } from './highlight';
import { sanitizeHtml } from './sanitize';

const ESCAPES: Record<string, string> = {
  '&': '&amp;',
  '<': '&lt;',
  '>': '&gt;',
  '"': '&quot;',
  "'": '&#39;',
};

export function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => ESCAPES[c] ?? c);
}

const marked = new Marked({
  gfm: true,
  // Model output uses single newlines as line breaks (poems, addresses, steps).
  breaks: true,
  renderer: {
    html({ text, block }: Tokens.HTML | Tokens.Tag) {
      return block ? `<p>${escapeHtml(text)}</p>` : escapeHtml(text);
    },
    code({ text, lang }: Tokens.Code) {
      const language = languageOf(lang);
      if (language === null) return `<pre><code>${escapeHtml(text)}</code></pre>\n`;
      return `<pre><code class="hljs language-${language}">${highlight(text, language)}</code></pre>\n`;
    },
    checkbox({ checked }: Tokens.Checkbox) {
      return checked ? '☑ ' : '☐ ';
    },
  },
});

const CACHE_SIZE = 200;
const cache = new Map<string, string>();

export interface RenderOptions {
  /** Model output: show code written without a fence as code (see codeLike.ts). */
  detectCode?: boolean;
}

function render(source: string, detectCode: boolean): string {
  const markdown = detectCode ? fenceUnfencedCode(source) : source;
  return sanitizeHtml(marked.parse(markdown, { async: false }));
}

/**
 * Safe HTML for `source`. Results are cached (most recently used first), so
 * an item rendered ahead of time — the prefetched one — shows at once.
 */
export function renderMarkdown(source: string, { detectCode = false }: RenderOptions = {}): string {
  const key = `${detectCode ? 'code' : 'text'}:${source}`;
  const hit = cache.get(key);
  if (hit !== undefined) {
    cache.delete(key);
    cache.set(key, hit);
    return hit;
  }
  const html = render(source, detectCode);
  cache.set(key, html);
  if (cache.size > CACHE_SIZE) {
    const oldest = cache.keys().next();
    if (oldest.done !== true) cache.delete(oldest.value);
  }
  return html;
}
