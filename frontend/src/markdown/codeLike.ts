/**
 * Code that a model wrote without a ``` fence. Markdown would join its lines into
 * paragraphs (indentation lost) and turn its `# comments` into headings, so runs of
 * code-like lines are found here and fenced before the markdown is rendered.
 *
 * A heuristic, tuned on AlpacaEval outputs (see codeLike.test.ts): a run starts at a
 * line that only code has (`def f(x):`, `#include`, `public int f() {`, a lone `}`…),
 * takes in the code-ish lines around it (assignments, calls, comments, indented
 * lines, blank lines between them) and stops at the first line of prose.
 */

// Any indentation: a fence inside a list item is indented too.
const FENCE = /^\s*(?:`{3,}|~{3,})/;
const LIST_ITEM = /^\s*(?:[-*+]|\d{1,3}[.)])\s/;

/** Lines that prose practically never has. */
const CODE_ONLY: readonly RegExp[] = [
  /^\s*#\s*(?:include|define|ifn?def|endif|pragma|undef)\b/, // C preprocessor
  /^\s*(?:async\s+)?def\s+\w+\s*\(.*\)\s*(?:->\s*[^:]+)?:\s*(?:#.*)?$/, // Python def
  /^\s*class\s+\w+(?:\s*\([^)]*\))?\s*:\s*$/, // Python class
  /^\s*(?:import\s+[\w.]+(?:\s+as\s+\w+)?(?:\s*,\s*[\w.]+)*|from\s+\.*[\w.]*\s+import\s+[\w*, ()]+)\s*$/, // Python import
  /^\s*import\s+(?:[\w*{}\s,]+\s+from\s+)?['"][^'"]+['"];?\s*$/, // JS import
  /^\s*(?:(?:if|elif|while)\s+.+|for\s+[\w, ()]+\s+in\s+.+|with\s+.+\s+as\s+\w+|except(?:\s+.+)?|else|try|finally)\s*:\s*$/, // Python blocks
  /^\s*(?:export\s+)?(?:async\s+)?function\b\s*\*?\s*[\w$]*\s*\(.*\)\s*\{?\s*$/, // JS function
  /^\s*(?:export\s+)?(?:const|let|var)\s+[\w${}[\], ]+\s*=\s*.+$/, // JS declaration
  /^\s*(?:(?:public|private|protected|static|final|abstract|virtual|inline|const|unsigned|signed)\s+)*(?:void|int|long|short|char|float|double|bool|boolean|String|auto|size_t|[A-Z]\w*(?:<[^>]*>)?(?:\[\])*)\s*\**\s+\**\w+\([^)]*\)\s*(?:const\s*)?\{?\s*$/, // C-family signature
  /^\s*(?:public|private|protected)\s+(?:static\s+)?(?:class|interface|enum)\s+\w+/, // Java type
  /^\s*(?:class|struct|interface|enum)\s+\w+[^{]*\{\s*$/, // C-family type
  /^\s*(?:if|for|while|switch|catch)\s*\(.*\)\s*\{?\s*$/, // C-family block
  /^\s*\}\s*(?:else\b.*|catch\b.*|finally\b.*|while\s*\(.*\);?)?\s*$/, // closing brace
  /^\s*[}\])]+[;,)]*\s*$/, // closing brackets only
  /^\s*@\w+(?:\.\w+)*(?:\(.*\))?\s*$/, // decorator
  /^<\?php\b/,
];

/** A call on a line of its own: `main()`, `print(x)  # 55`. */
const CALL = /^\s*(?:await\s+)?[\w$][\w$.]*\(.*\)\s*;?\s*(?:(?:#|\/\/).*)?$/;

/** Lines that are usually code, but could be something else (an equation) on their own. */
const CODE_ISH: readonly RegExp[] = [
  /^\s*[\w$][\w$.]*(?:\[[^\]]*\])*\s*(?:[-+*/%|&^]|\/\/|\*\*)?=\s*(?!=)\S/, // assignment
  CALL,
  /^\s*(?:return|yield|raise|throw|break|continue|pass)\b(?:\s+[^.!?]*)?;?\s*$/,
  /^\s*(?:\/\/|\/\*|\*\/|\*\s)/, // C-family comment
  /[;{]\s*(?:(?:\/\/).*)?$/, // ends a statement or opens a block
  /^\s*(?:SELECT|INSERT\s+INTO|UPDATE|DELETE\s+FROM|CREATE\s+TABLE|FROM|WHERE|GROUP\s+BY|ORDER\s+BY|JOIN)\b/,
];

/** `# text`: a Python or shell comment in code, a heading in markdown (`#tag` is neither). */
const HASH_COMMENT = /^\s*#\s+\S/;
const INDENTED = /^(?: {2,}|\t)\S/;

type LineKind = 'blank' | 'code' | 'codeish' | 'hash' | 'indented' | 'prose';

function kindOf(line: string): LineKind {
  if (line.trim() === '') return 'blank';
  if (LIST_ITEM.test(line)) return 'prose';
  if (CODE_ONLY.some((re) => re.test(line))) return 'code';
  if (HASH_COMMENT.test(line)) return 'hash';
  if (CODE_ISH.some((re) => re.test(line))) return 'codeish';
  return INDENTED.test(line) ? 'indented' : 'prose';
}

export interface CodeRegion {
  /** First and last line (0-based, inclusive). */
  start: number;
  end: number;
}

function isFenceLine(line: string): boolean {
  return FENCE.test(line);
}

/** Where a region that could start at `start` ends, and whether it is code enough. */
function regionFrom(kinds: readonly LineKind[], lines: readonly string[], start: number): CodeRegion & { accepted: boolean } {
  let end = start;
  const count = { lines: 0, sure: 0, hash: 0, calls: 0 };
  for (let i = start; i < kinds.length; i += 1) {
    const kind = kinds[i];
    const line = lines[i] ?? '';
    if (kind === 'prose' || isFenceLine(line)) break;
    if (kind === 'blank') continue;
    end = i;
    count.lines += 1;
    if (kind === 'code') count.sure += 1;
    if (kind === 'hash') count.hash += 1;
    if (CALL.test(line)) count.calls += 1;
  }
  // Equations (`x = (4 ± 2) / 2`) look like assignments: without a line that only code
  // has, it takes a `# comment` and a call to tell a script from a derivation.
  const accepted =
    count.lines >= 2 && (count.sure > 0 || (count.hash > 0 && count.calls > 0 && count.lines >= 3));
  return { start, end, accepted };
}

/** The line ranges of code written outside fences. */
export function codeRegions(text: string): CodeRegion[] {
  const lines = text.split('\n');
  if (text.startsWith('#!/')) {
    // A script, whose commands read like prose: all of it.
    const end = lines.findLastIndex((line) => line.trim() !== '');
    return end > 0 ? [{ start: 0, end }] : [];
  }
  const kinds = lines.map(kindOf);
  const regions: CodeRegion[] = [];
  let inFence = false;
  for (let i = 0; i < lines.length; i += 1) {
    const line = lines[i] ?? '';
    if (isFenceLine(line)) {
      inFence = !inFence;
      continue;
    }
    const kind = kinds[i];
    if (inFence || (kind !== 'code' && kind !== 'codeish' && kind !== 'hash')) continue;
    const region = regionFrom(kinds, lines, i);
    if (!region.accepted) continue;
    regions.push({ start: region.start, end: region.end });
    i = region.end;
  }
  return regions;
}

function languageOf(code: string): string {
  if (/^\s*(?:(?:async\s+)?def\s+\w+|from\s+\S+\s+import|import\s+\w+\s*$|class\s+\w+.*:\s*$)/m.test(code)) {
    return 'python';
  }
  if (/^\s*(?:(?:export\s+)?(?:const|let|var)\s|(?:export\s+)?function\b|import\s.*from\s+['"])/m.test(code)) {
    return 'javascript';
  }
  return '';
}

function fenceFor(code: string): string {
  const longest = Math.max(0, ...Array.from(code.matchAll(/`+/g), (m) => m[0].length));
  return '`'.repeat(Math.max(3, longest + 1));
}

/**
 * `text` with every run of unfenced code put in a ``` fence, lines untouched (so their
 * indentation shows), the language named where it is clear (for highlighting).
 */
export function fenceUnfencedCode(text: string): string {
  const regions = codeRegions(text);
  if (regions.length === 0) return text;
  const lines = text.split('\n');
  const out: string[] = [];
  let next = 0;
  for (const { start, end } of regions) {
    out.push(...lines.slice(next, start));
    const code = lines.slice(start, end + 1).join('\n');
    const fence = fenceFor(code);
    out.push(`${fence}${languageOf(code)}`, code, fence);
    next = end + 1;
  }
  out.push(...lines.slice(next));
  return out.join('\n');
}
