/**
 * HTTP plumbing of the simulator (node:http only): the OpenAI/vLLM error envelope, JSON answers and JSON request
 * bodies.
 */
import type http from 'node:http';

/** An error answered as `{error: {message, type, param, code}}` with `status` (vLLM's envelope). */
export class HttpError extends Error {
  constructor(
    readonly status: number,
    message: string,
    readonly type: string,
    readonly code: string | number | null = null,
    readonly param: string | null = null,
  ) {
    super(message);
  }
}

/** Answers `body` as JSON with an exact content-length. */
export function sendJson(
  res: http.ServerResponse,
  status: number,
  body: unknown,
  headers: Record<string, string> = {},
): void {
  const text = JSON.stringify(body);
  res.writeHead(status, {
    'content-type': 'application/json',
    'content-length': Buffer.byteLength(text),
    ...headers,
  });
  res.end(text);
}

/** Answers the error envelope of `e`. */
export function sendError(
  res: http.ServerResponse,
  e: HttpError,
  headers: Record<string, string> = {},
): void {
  sendJson(
    res,
    e.status,
    { error: { message: e.message, type: e.type, param: e.param, code: e.code } },
    headers,
  );
}

/** A request body read in full: parsed JSON, or the error to answer (413 too large, 400 not JSON). */
export type BodyResult = { isOk: true; body: unknown } | { isOk: false; error: HttpError };

/**
 * Reads a JSON request body of at most `maxBytes` (the rest is drained, not buffered) and calls `done` once it has
 * ended. A request stream error destroys the response.
 */
export function readJsonBody(
  req: http.IncomingMessage,
  res: http.ServerResponse,
  maxBytes: number,
  done: (result: BodyResult) => void,
): void {
  const chunks: Buffer[] = [];
  let size = 0;
  let isTooLarge = false;
  req.on('data', (c: Buffer) => {
    size += c.length;
    if (size > maxBytes) isTooLarge = true;
    else chunks.push(c);
  });
  req.on('end', () => {
    if (isTooLarge) {
      return done({
        isOk: false,
        error: new HttpError(413, 'request body too large', 'invalid_request_error'),
      });
    }
    let body: unknown;
    try {
      body = JSON.parse(Buffer.concat(chunks).toString('utf8'));
    } catch {
      return done({
        isOk: false,
        error: new HttpError(400, 'request body is not valid JSON', 'BadRequestError', 400),
      });
    }
    done({ isOk: true, body });
  });
  req.on('error', () => res.destroy());
}
