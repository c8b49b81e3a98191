/**
 * The one gate between untrusted HTML (from model output rendered as
 * markdown) and the page. A strict allow-list: formatting tags only, no
 * scripts, styles, event handlers, frames, forms or SVG; links only to
 * http(s) and mailto, opened in a new tab without a referrer; remote images
 * replaced by a button that loads them only when clicked.
 */
import DOMPurify from 'dompurify';

const ALLOWED_TAGS = [
  'a', 'b', 'blockquote', 'br', 'code', 'del', 'em', 'h1', 'h2', 'h3', 'h4', 'h5', 'h6',
  'hr', 'i', 'img', 'ins', 'kbd', 'li', 'mark', 'ol', 'p', 'pre', 's', 'span', 'strong',
  'sub', 'sup', 'table', 'tbody', 'td', 'tfoot', 'th', 'thead', 'tr', 'ul',
];
const ALLOWED_ATTR = ['href', 'title', 'alt', 'src', 'class', 'start', 'align', 'colspan', 'rowspan'];
const SAFE_URL = /^(?:https?:|mailto:)/i;
// highlight.js classes (`hljs-title`, its `function_` modifiers) and `language-x`:
// other classes could dress model output up as the app's own buttons.
const SAFE_CLASS = /^(?:hljs(?:-[\w-]+)?|language-[\w+#.-]+|[a-z]+_)$/i;
export const REMOTE_IMAGE_CLASS = 'remote-image';

const purifier = DOMPurify();

purifier.addHook('afterSanitizeAttributes', (node) => {
  if (node.tagName === 'A' && node.hasAttribute('href')) {
    node.setAttribute('target', '_blank');
    node.setAttribute('rel', 'noopener noreferrer nofollow');
  }
  const classes = node.getAttribute('class');
  if (classes !== null) {
    const kept = classes.split(/\s+/).filter((c) => SAFE_CLASS.test(c));
    if (kept.length > 0) node.setAttribute('class', kept.join(' '));
    else node.removeAttribute('class');
  }
});

/** The URL if it is an absolute http(s) URL, else null. */
export function httpUrl(raw: string | null | undefined): URL | null {
  if (!raw) return null;
  try {
    const url = new URL(raw);
    return url.protocol === 'http:' || url.protocol === 'https:' ? url : null;
  } catch {
    return null;
  }
}

function replaceImages(root: Element): void {
  const doc = root.ownerDocument;
  for (const img of Array.from(root.querySelectorAll('img'))) {
    const url = httpUrl(img.getAttribute('src'));
    const alt = img.getAttribute('alt') ?? '';
    if (url === null) {
      img.replaceWith(doc.createTextNode(alt === '' ? '[image]' : `[image: ${alt}]`));
      continue;
    }
    const button = doc.createElement('button');
    button.setAttribute('type', 'button');
    button.setAttribute('class', REMOTE_IMAGE_CLASS);
    button.setAttribute('data-src', url.href);
    if (alt !== '') button.setAttribute('data-alt', alt);
    button.textContent = `Load image from ${url.host}${alt === '' ? '' : ` (${alt})`}`;
    img.replaceWith(button);
  }
}

/** A link whose target was refused stays as its text, not as a dead link. */
function unwrapDeadLinks(root: Element): void {
  for (const link of Array.from(root.querySelectorAll('a:not([href])'))) {
    link.replaceWith(...Array.from(link.childNodes));
  }
}

/** Sanitize an HTML string for `innerHTML`. */
export function sanitizeHtml(html: string): string {
  // RETURN_DOM parses into an inert document: nothing loads while we work on it.
  const body = purifier.sanitize(html, {
    ALLOWED_TAGS,
    ALLOWED_ATTR,
    ALLOWED_URI_REGEXP: SAFE_URL,
    ALLOW_DATA_ATTR: false,
    ALLOW_ARIA_ATTR: false,
    RETURN_DOM: true,
  });
  // DOMPurify parses in this window's realm, so `instanceof` holds.
  if (!(body instanceof Element)) return '';
  replaceImages(body);
  unwrapDeadLinks(body);
  return body.innerHTML;
}
