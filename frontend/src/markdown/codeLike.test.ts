import { describe, expect, it } from 'vitest';
import { alpacaEvalK4 } from '../test/sharedData';
import { codeRegions, fenceUnfencedCode } from './codeLike';
import { renderMarkdown } from './markdown';

function render(source: string): HTMLElement {
  const div = document.createElement('div');
  div.innerHTML = renderMarkdown(source, { detectCode: true });
  return div;
}

const items = alpacaEvalK4();

/** The output of `model` for AlpacaEval item `id`. */
function output(id: string, model: string): string {
  const text = items.find((item) => item.id === id)?.completions.find((c) => c.model === model)?.text;
  if (text === undefined) throw new Error(`no output of ${model} for ${id}`);
  return text;
}

describe('codeRegions on real model outputs (AlpacaEval)', () => {
  it('finds a whole unfenced Python answer', () => {
    const text = output('alpaca_eval-790', 'falcon-7b-instruct');
    const lines = text.split('\n');
    const regions = codeRegions(text);
    expect(regions).toHaveLength(1);
    expect(lines[regions[0]?.start ?? -1]).toBe('class Stack:');
    expect(lines[regions[0]?.end ?? -1]).toBe('stack2.push(5)');
  });

  it('leaves the prose after the code out of it', () => {
    const text = output('alpaca_eval-790', 'falcon-7b-instruct');
    const html = render(text);
    expect(html.querySelector('pre code')).toHaveTextContent('stack2.push(5)');
    expect(html.querySelector('pre code')).not.toHaveTextContent('The response is a data structure');
    expect(html.querySelector(':scope > p')).toHaveTextContent('The response is a data structure');
  });

  it('keeps the indentation of unfenced code', () => {
    const html = render(output('alpaca_eval-787', 'falcon-7b-instruct'));
    const code = html.querySelector('pre code');
    expect(code).toHaveClass('language-python');
    expect(code?.textContent).toContain('def main():\n    email = input("Enter an email address: ")\n    if is_email_valid(email):\n        print("The email is valid")');
  });

  it('finds C code between prose, with its // comments', () => {
    const text = output('alpaca_eval-361', 'claude-2');
    const lines = text.split('\n');
    const [region, ...others] = codeRegions(text);
    expect(others).toEqual([]);
    expect(lines[region?.start ?? -1]).toBe('#include <stdio.h>');
    expect(lines.slice(0, region?.start).join('\n')).toContain('Here is some sample code');
    const html = render(text);
    expect(html.querySelector('h1')).toBeNull();
    expect(html.querySelector('pre code')).toHaveTextContent('#include <graphics.h>');
  });

  it('finds each Java snippet of an answer that explains them in a numbered list', () => {
    const text = output('alpaca_eval-391', 'claude-2');
    expect(codeRegions(text)).toHaveLength(3);
    const html = render(text);
    expect(html.querySelectorAll('pre code')).toHaveLength(3);
    expect(html.querySelectorAll('ol li, ul li').length).toBeGreaterThan(0);
    expect(html.querySelector('pre code')?.textContent).toBe('public int getNumber(){\n  // method body\n}');
  });

  it.each([
    ['alpaca_eval-313', 'import math'],
    ['alpaca_eval-406', 'import json'],
    ['alpaca_eval-466', 'class Product {'],
    ['alpaca_eval-566', 'public boolean isPowerOfThree(int n) {'],
    ['alpaca_eval-786', 'def longest_common_substring(s1, s2):'],
    ['alpaca_eval-788', 'def fibonacci(n):'],
  ])('finds the code falcon wrote without a fence for %s', (id, firstLine) => {
    const text = output(id, 'falcon-7b-instruct');
    const [region] = codeRegions(text);
    expect(text.split('\n')[region?.start ?? -1]).toBe(firstLine);
  });

  it('keeps a markdown heading right after the code a heading', () => {
    const html = render(output('alpaca_eval-466', 'falcon-7b-instruct'));
    expect(html.querySelector('h3')).toHaveTextContent('Output:');
  });

  it.each([
    ['alpaca_eval-613', 'vicuna-7b', 'equations (x = (4 ± 2) / 2)'],
    ['alpaca_eval-794', 'claude-2', 'a derivation with = continuation lines'],
    ['alpaca_eval-536', 'gpt4_1106_preview', '#hashtags'],
    ['alpaca_eval-464', 'gpt4_1106_preview', 'fenced code indented in a list'],
    ['alpaca_eval-000', 'gpt4_1106_preview', 'a numbered list'],
  ])('finds no code in %s by %s: %s', (id, model) => {
    expect(codeRegions(output(id, model))).toEqual([]);
  });

  it('finds code only in the outputs that have unfenced code', () => {
    const found = items.flatMap((item) =>
      item.completions.flatMap((c) => (codeRegions(c.text).length > 0 ? [`${item.id} ${c.model}`] : [])),
    );
    // Each checked by eye: all of them are code (two are wrapped in literal <pre><code>).
    expect(found).toEqual([
      'alpaca_eval-300 falcon-7b-instruct',
      'alpaca_eval-313 falcon-7b-instruct',
      'alpaca_eval-320 falcon-7b-instruct',
      'alpaca_eval-361 claude-2',
      'alpaca_eval-391 claude-2',
      'alpaca_eval-391 falcon-7b-instruct',
      'alpaca_eval-405 falcon-7b-instruct',
      'alpaca_eval-406 falcon-7b-instruct',
      'alpaca_eval-417 falcon-7b-instruct',
      'alpaca_eval-440 falcon-7b-instruct',
      'alpaca_eval-466 falcon-7b-instruct',
      'alpaca_eval-485 falcon-7b-instruct',
      'alpaca_eval-496 claude-2',
      'alpaca_eval-566 falcon-7b-instruct',
      'alpaca_eval-700 claude-2',
      'alpaca_eval-786 falcon-7b-instruct',
      'alpaca_eval-787 falcon-7b-instruct',
      'alpaca_eval-788 falcon-7b-instruct',
      'alpaca_eval-789 falcon-7b-instruct',
      'alpaca_eval-790 falcon-7b-instruct',
    ]);
  });
});

describe('fenceUnfencedCode', () => {
  it('turns # comments of a script into comments, not headings', () => {
    const html = render('# Sum the squares\ntotal = sum(x * x for x in xs)\nprint(total)');
    expect(html.querySelector('h1')).toBeNull();
    expect(html.querySelector('pre code')?.textContent).toBe(
      '# Sum the squares\ntotal = sum(x * x for x in xs)\nprint(total)',
    );
  });

  it('keeps a heading of a document a heading', () => {
    const html = render('# Summary\n\nThe results are good.\n\n## Next steps\n\n- ship it');
    expect(html.querySelector('h1')).toHaveTextContent('Summary');
    expect(html.querySelector('pre')).toBeNull();
  });

  it('knows a shell script by its shebang', () => {
    expect(codeRegions('#!/bin/sh\nset -e\n  echo done')).toEqual([{ start: 0, end: 2 }]);
  });

  it('leaves fenced code alone', () => {
    const text = 'Try:\n\n```python\ndef f(x):\n    return x\n```\n';
    expect(fenceUnfencedCode(text)).toBe(text);
  });

  it('needs more than one line of code', () => {
    expect(codeRegions('import math')).toEqual([]);
    expect(codeRegions('Call it like this:\n\nmain()')).toEqual([]);
  });

  it('fences with more backticks than the code holds', () => {
    const fenced = fenceUnfencedCode('def f():\n    return "```"');
    expect(fenced.split('\n')[0]).toBe('````python');
    expect(render('def f():\n    return "```"').querySelector('pre code')?.textContent).toBe('def f():\n    return "```"');
  });
});
