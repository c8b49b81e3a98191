/**
 * The real public data in ../shared/data beside the project, read in place (never
 * copied), as the Python tests do (tests/shared_data.py); `RANKWISE_SHARED_DATA` names
 * another folder.
 */
import { existsSync, readFileSync } from 'node:fs';
import { cwd } from 'node:process';
import { gunzipSync } from 'node:zlib';

const env: Record<string, string | undefined> = import.meta.env;

function sharedData(): string {
  const named = env.RANKWISE_SHARED_DATA;
  if (named !== undefined && named !== '') return named;
  // Vitest runs in frontend/: the project is above it, the data beside the project.
  return `${cwd()}/../../shared/data`;
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
