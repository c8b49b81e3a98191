import { describe, expect, it } from 'vitest';
import { REMOTE_IMAGE_CLASS, sanitizeHtml } from './sanitize';

function parse(html: string): HTMLElement {
  const div = document.createElement('div');
  div.innerHTML = sanitizeHtml(html);
  return div;
}

function attributeNames(root: HTMLElement): string[] {
  return Array.from(root.querySelectorAll('*')).flatMap((el) => el.getAttributeNames());
}

describe('sanitizeHtml', () => {
  it('removes script elements and their content', () => {
    const root = parse('<p>hi</p><script>window.__xss=1</script>');
    expect(root.querySelector('script')).toBeNull();
    expect(root.innerHTML).toBe('<p>hi</p>');
  });

  it('removes event handler attributes', () => {
    const root = parse('<p onclick="window.__xss=1" onmouseover="x()">text</p>');
    expect(root.innerHTML).toBe('<p>text</p>');
  });

  it('never keeps an image with an onerror handler', () => {
    const root = parse('<img src=x onerror="window.__xss=1">');
    expect(root.querySelector('img')).toBeNull();
    expect(attributeNames(root)).not.toContain('onerror');
    expect(root.textContent).toBe('[image]');
  });

  it.each([
    'javascript:window.__xss=1',
    'JaVaScRiPt:window.__xss=1',
    ' javascript:window.__xss=1',
    'java\tscript:window.__xss=1',
    '&#106;avascript:window.__xss=1',
    'vbscript:msgbox(1)',
    'data:text/html;base64,PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg==',
    '/relative/path',
    '//evil.example/x',
  ])('drops the link target %s', (href) => {
    const root = parse(`<a href="${href}">click <b>me</b></a>`);
    expect(root.querySelector('a')).toBeNull();
    expect(root.innerHTML).toBe('click <b>me</b>');
  });

  it('keeps http(s) and mailto links, opened in a new tab without referrer', () => {
    const root = parse(
      '<a href="https://example.com/a">a</a><a href="http://example.com">b</a><a href="mailto:x@example.com">c</a>',
    );
    const links = Array.from(root.querySelectorAll('a'));
    expect(links.map((a) => a.getAttribute('href'))).toEqual([
      'https://example.com/a',
      'http://example.com',
      'mailto:x@example.com',
    ]);
    for (const link of links) {
      expect(link).toHaveAttribute('target', '_blank');
      expect(link).toHaveAttribute('rel', 'noopener noreferrer nofollow');
    }
  });

  it('removes svg with onload, and math', () => {
    const root = parse(
      '<svg onload="window.__xss=1"><circle r="4"/></svg><math><mi xlink:href="javascript:alert(1)">x</mi></math>',
    );
    expect(root.querySelector('svg, math, circle, mi')).toBeNull();
    expect(attributeNames(root)).toEqual([]);
  });

  it.each([
    '<iframe src="https://evil.example"></iframe>',
    '<iframe srcdoc="<script>parent.__xss=1</script>"></iframe>',
    '<object data="evil.swf"></object>',
    '<embed src="evil.swf">',
    '<form action="https://evil.example"><input name="a"><button>go</button></form>',
    '<meta http-equiv="refresh" content="0;url=https://evil.example">',
    '<base href="https://evil.example/">',
    '<link rel="stylesheet" href="https://evil.example/x.css">',
    '<style>body{background:url(javascript:alert(1))}</style>',
    '<template><script>alert(1)</script></template>',
    '<video><source onerror="alert(1)"></video>',
  ])('removes active or remote content: %s', (html) => {
    const root = parse(html);
    expect(root.querySelector('iframe, object, embed, form, input, meta, base, link, style, template, video, source, script')).toBeNull();
    expect(attributeNames(root)).toEqual([]);
  });

  it('removes style attributes, including CSS expressions', () => {
    const root = parse(
      '<p style="width: expression(alert(1))">a</p><span style="background:url(javascript:alert(1))">b</span>',
    );
    expect(attributeNames(root)).toEqual([]);
    expect(root.textContent).toBe('ab');
  });

  it('removes data and id attributes that could clobber the page', () => {
    const root = parse('<p id="root" name="x" data-src="https://evil.example" aria-label="x">a</p>');
    expect(root.innerHTML).toBe('<p>a</p>');
  });

  it('replaces remote images with a button that names the host', () => {
    const root = parse('<img src="https://img.example.com/cat.png" alt="a cat">');
    expect(root.querySelector('img')).toBeNull();
    const button = root.querySelector('button');
    expect(button).toHaveClass(REMOTE_IMAGE_CLASS);
    expect(button).toHaveAttribute('type', 'button');
    expect(button).toHaveAttribute('data-src', 'https://img.example.com/cat.png');
    expect(button).toHaveTextContent('Load image from img.example.com (a cat)');
  });

  it('drops data: images instead of loading them', () => {
    const root = parse('<img src="data:image/svg+xml,<svg onload=alert(1)>" alt="pic">');
    expect(root.querySelector('img, button, svg')).toBeNull();
    expect(root.textContent).toBe('[image: pic]');
  });

  it('keeps only highlight.js classes', () => {
    const root = parse(
      '<code class="hljs language-python"><span class="hljs-title function_">f</span></code><p class="button button--primary">x</p>',
    );
    expect(root.querySelector('code')).toHaveAttribute('class', 'hljs language-python');
    expect(root.querySelector('span')).toHaveAttribute('class', 'hljs-title function_');
    expect(root.querySelector('p')?.hasAttribute('class')).toBe(false);
  });

  it('keeps ordinary formatting', () => {
    const html =
      '<h2>T</h2><p><strong>b</strong> <em>i</em> <code>c</code></p><ul><li>x</li></ul><table><thead><tr><th>h</th></tr></thead><tbody><tr><td>d</td></tr></tbody></table>';
    expect(sanitizeHtml(html)).toBe(html);
  });
});
