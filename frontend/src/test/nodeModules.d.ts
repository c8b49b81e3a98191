// The few Node APIs that tests use to read the shared public data in place. The app's
// own types have no Node (tsconfig: types), and should not: it runs in browsers.
declare module 'node:fs' {
  export function existsSync(path: string): boolean;
  export function readFileSync(path: string): Uint8Array;
}

declare module 'node:zlib' {
  export function gunzipSync(data: Uint8Array): Uint8Array;
}

declare module 'node:process' {
  export function cwd(): string;
}
