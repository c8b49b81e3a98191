/**
 * Code highlighting with highlight.js's core and a handful of languages: the
 * full build would cost most of the JavaScript budget for languages that
 * model output rarely uses. Unknown languages are shown unhighlighted.
 */
import hljs from 'highlight.js/lib/core';
import bash from 'highlight.js/lib/languages/bash';
import javascript from 'highlight.js/lib/languages/javascript';
import json from 'highlight.js/lib/languages/json';
import python from 'highlight.js/lib/languages/python';
import sql from 'highlight.js/lib/languages/sql';
import typescript from 'highlight.js/lib/languages/typescript';

hljs.registerLanguage('python', python);
hljs.registerLanguage('javascript', javascript);
hljs.registerLanguage('typescript', typescript);
hljs.registerLanguage('bash', bash);
hljs.registerLanguage('sql', sql);
hljs.registerLanguage('json', json);
hljs.registerAliases(['shell', 'console', 'sh', 'zsh'], { languageName: 'bash' });

/** The registered language for a fence's info string (`py`, `js`, ...), if any. */
export function languageOf(info: string | undefined): string | null {
  const name = (info ?? '').trim().split(/\s+/)[0]?.toLowerCase() ?? '';
  if (name === '') return null;
  return hljs.getLanguage(name) ? name : null;
}

/** Highlighted HTML (text escaped, tokens wrapped in `<span class="hljs-…">`). */
export function highlight(code: string, language: string): string {
  return hljs.highlight(code, { language, ignoreIllegals: true }).value;
}
