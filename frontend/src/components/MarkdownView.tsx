import { useMemo, type MouseEvent } from 'react';
import { renderMarkdown } from '../markdown/markdown';
import { REMOTE_IMAGE_CLASS, httpUrl } from '../markdown/sanitize';

interface MarkdownViewProps {
  source: string;
  className?: string;
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
export function MarkdownView({ source, className }: MarkdownViewProps) {
  const html = useMemo(() => renderMarkdown(source), [source]);

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
