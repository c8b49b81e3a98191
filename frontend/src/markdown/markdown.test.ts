import { describe, expect, it } from 'vitest';
import { renderMarkdown } from './markdown';

function render(source: string): HTMLElement {
  const div = document.createElement('div');
  div.innerHTML = renderMarkdown(source);
  return div;
}

describe('renderMarkdown', () => {
  it('renders common markdown', () => {
    const root = render('# Title\n\nSome **bold** and `code`.\n\n- one\n- two');
    expect(root.querySelector('h1')).toHaveTextContent('Title');
    expect(root.querySelector('strong')).toHaveTextContent('bold');
    expect(root.querySelector('p code')).toHaveTextContent('code');
    expect(root.querySelectorAll('li')).toHaveLength(2);
  });

  it('keeps single line breaks', () => {
    expect(render('roses are red\nviolets are blue').querySelector('br')).not.toBeNull();
  });

  it('highlights fenced code in a registered language', () => {
    const root = render('```python\ndef f(x):\n    return "hi"\n```');
    const code = root.querySelector('pre code');
    expect(code).toHaveClass('hljs', 'language-python');
    expect(code?.querySelector('.hljs-keyword')).toHaveTextContent('def');
    expect(code).toHaveTextContent('def f(x): return "hi"', { normalizeWhitespace: true });
  });

  it('accepts language aliases', () => {
    expect(render('```js\nconst a = 1;\n```').querySelector('code')).toHaveClass('language-js');
    expect(render('```sh\nls -la\n```').querySelector('code')).toHaveClass('language-sh');
  });

  it('shows code in an unknown language as plain text', () => {
    const root = render('```brainfuck\n<script>alert(1)</script>\n```');
    const code = root.querySelector('pre code');
    expect(code?.hasAttribute('class')).toBe(false);
    expect(code).toHaveTextContent('<script>alert(1)</script>');
    expect(root.querySelector('script')).toBeNull();
  });

  it('shows raw HTML as text instead of interpreting it', () => {
    const root = render('<script>window.__xss=1</script>\n\nInline <img src=x onerror="window.__xss=1"> and <b>bold</b>');
    expect(root.querySelector('script, img, b')).toBeNull();
    expect(root).toHaveTextContent('<script>window.__xss=1</script>');
    expect(root).toHaveTextContent('<img src=x onerror="window.__xss=1">');
    expect(root).toHaveTextContent('<b>bold</b>');
  });

  it('renders svg and iframe payloads as text', () => {
    const root = render('<svg onload="window.__xss=1"></svg>\n<iframe src="javascript:alert(1)"></iframe>');
    expect(root.querySelector('svg, iframe')).toBeNull();
    expect(root.textContent).toContain('<svg onload="window.__xss=1">');
  });

  it('drops javascript: and data: link targets', () => {
    const root = render(
      '[click](javascript:window.__xss=1) [data](data:text/html,<script>alert(1)</script>) [ok](https://example.com)',
    );
    const hrefs = Array.from(root.querySelectorAll('a')).map((a) => a.getAttribute('href'));
    expect(hrefs).toEqual(['https://example.com']);
    expect(root).toHaveTextContent('click data ok');
  });

  it('renders markdown images as a load-on-click button', () => {
    const root = render('![chart](https://example.com/chart.png)');
    expect(root.querySelector('img')).toBeNull();
    expect(root.querySelector('button')).toHaveTextContent('Load image from example.com (chart)');
  });

  it('renders task lists without form controls', () => {
    const root = render('- [x] done\n- [ ] todo');
    expect(root.querySelector('input')).toBeNull();
    expect(root).toHaveTextContent('☑ done');
  });

  it('returns the same HTML for the same source', () => {
    expect(renderMarkdown('*a*')).toBe(renderMarkdown('*a*'));
  });
});
