import type { SourceTool } from './types.js';

/**
 * A file that cannot be imported. `tool` is the tool the file was read as (guessed from its shape,
 * or forced), `field` the missing or invalid field (a dotted path), so the message can say exactly
 * what is wrong.
 */
export class InteropError extends Error {
  constructor(
    readonly tool: SourceTool | 'unknown',
    readonly field: string | undefined,
    message: string,
  ) {
    super(
      `${tool === 'unknown' ? 'unrecognized file' : `${tool} file`}${field ? ` (field \`${field}\`)` : ''}: ${message}`,
    );
    this.name = 'InteropError';
  }
}
