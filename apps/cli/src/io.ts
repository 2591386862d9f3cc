/** Where the CLI writes and what it reads from its environment; tests and main pass the real streams. */
export interface CliStream {
  write(chunk: string): unknown;
  /** true when attached to a terminal: live displays redraw in place; otherwise they print plain lines */
  isTTY?: boolean;
  columns?: number;
}

export interface CliIo {
  stdout: CliStream;
  stderr: CliStream;
  env: Record<string, string | undefined>;
}

/** Default API URL when neither --api nor INFERBENCH_API_URL is given. */
export const DEFAULT_API_URL = 'http://127.0.0.1:4000';
