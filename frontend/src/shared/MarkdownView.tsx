import { useMemo, type MouseEvent } from 'react';
import { renderMarkdown } from '../markdown/markdown';
import { REMOTE_IMAGE_CLASS, httpUrl } from '../markdown/sanitize';

interface MarkdownViewProps {
  source: string;
  className?: string;
  /** Model output: show code written without a fence as code. */
  detectCode?: boolean;
}

/** Replace a "Load image from …" button with the image, now that it was asked for. */
function loadImage(button: HTMLElement): void {
  const url = httpUrl(button.getAttribute('data-src'));
  if (url === null) return;
  const img = document.createElement('img');
  img.alt = button.getAttribute('data-alt') ?? '';
  img.referrerPolicy = 'no-referrer';
  img.src = url.href;
  button.replaceWith(img);
}

/**
 * Markdown from an untrusted source (model output, prompts), rendered through
 * the sanitizer. Remote images wait for a click.
 */
export function MarkdownView({ source, className, detectCode = false }: MarkdownViewProps) {
  const html = useMemo(() => renderMarkdown(source, { detectCode }), [source, detectCode]);

  function handleClick(event: MouseEvent<HTMLDivElement>) {
    const target = event.target;
    if (!(target instanceof HTMLElement)) return;
    const button = target.closest<HTMLElement>(`button.${REMOTE_IMAGE_CLASS}`);
    if (button && event.currentTarget.contains(button)) {
      event.stopPropagation();
      loadImage(button);
    }
  }

  return (
    <div
      className={className ? `markdown ${className}` : 'markdown'}
      onClick={handleClick}
      // Safe: renderMarkdown sanitizes with a strict allow-list (see markdown/sanitize.ts).
      dangerouslySetInnerHTML={{ __html: html }}
    />
  );
}
