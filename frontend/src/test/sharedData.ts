/**
 * The real public data in ../shared/data beside the project, read in place (never
 * copied), as the Python tests do (tests/shared_data.py); `RANKWISE_SHARED_DATA` names
 * another folder, and a clone of a local checkout made elsewhere (`git clone . /tmp/x/p`)
 * finds the data beside the checkout it was cloned from.
 */
import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync, statSync } from 'node:fs';
import { cwd } from 'node:process';
import { gunzipSync } from 'node:zlib';

const env: Record<string, string | undefined> = import.meta.env;

function sharedData(): string {
  const named = env.RANKWISE_SHARED_DATA;
  if (named !== undefined && named !== '') return named;
  // Vitest runs in frontend/: the project is above it, the data beside the project.
  const beside = `${cwd()}/../../shared/data`;
  if (existsSync(beside)) return beside;
  const origin = clonedFrom();
  const besideOrigin = origin === undefined ? undefined : `${origin}/../shared/data`;
  return besideOrigin !== undefined && existsSync(besideOrigin) ? besideOrigin : beside;
}

/** The local checkout this one was cloned from, if it was cloned from a folder. */
function clonedFrom(): string | undefined {
  try {
    const url = execFileSync('git', ['remote', 'get-url', 'origin'], { encoding: 'utf8' }).trim();
    return url !== '' && existsSync(url) && statSync(url).isDirectory() ? url : undefined;
  } catch {
    return undefined; // not a git checkout, or no origin
  }
}

export interface AlpacaEvalItem {
  id: string;
  prompt: string;
  completions: { model: string; text: string }[];
}

/** The AlpacaEval items with the outputs of four models (alpaca_eval_k4.jsonl.gz). */
export function alpacaEvalK4(): AlpacaEvalItem[] {
  const path = `${sharedData()}/alpaca_eval_k4.jsonl.gz`;
  if (!existsSync(path)) {
    throw new Error(`${path} is missing: the tests read the shared public data beside the project.`);
  }
  const text = new TextDecoder().decode(gunzipSync(readFileSync(path)));
  return text
    .split('\n')
    .filter((line) => line !== '')
    .map((line) => JSON.parse(line) as AlpacaEvalItem);
}
