import { z } from 'zod';

/**
 * Which tokenizer builds prompts and counts tokens client-side for a target:
 * - `auto` (default): the target's own tokenize endpoint (vLLM / llama.cpp / TGI `POST /tokenize`), else a
 *   `tokenizer.json` found for the model in the local tokenizer folder, else `o200k_base` with a warning that
 *   lengths and client counts are approximate;
 * - `o200k_base` / `cl100k_base`: that OpenAI BPE;
 * - `{ path }`: a Hugging Face `tokenizer.json` on the machine that generates the load.
 */
export const TokenizerSettingSchema = z.union([
  z.enum(['auto', 'o200k_base', 'cl100k_base']),
  z.object({ path: z.string().min(1).max(1000) }),
]);
export type TokenizerSetting = z.infer<typeof TokenizerSettingSchema>;

/** The tokenizer a load point actually used (recorded with its results). */
export const TokenizerInfoSchema = z.object({
  /** the setting asked for: `auto`, `o200k_base`, `cl100k_base` or `hf:<path>` */
  setting: z.string(),
  /** what was used: `server:vllm@<url>`, `hf:<path>`, `o200k_base`, ... */
  name: z.string(),
  source: z.enum(['server', 'file', 'builtin']),
  /** the engine whose tokenize endpoint answered (source `server`) */
  engine: z.enum(['vllm', 'llamacpp', 'tgi']).optional(),
  /** true when it is not the model's own tokenizer: prompt lengths and client counts are approximate */
  approximate: z.boolean(),
  /** why it is approximate, or what was tried first */
  warning: z.string().optional(),
  /**
   * tokens the server adds to a one-message request around the content (chat template, BOS), measured once per
   * target with a probe request: the server's `inputTokens` ≈ requested content tokens + this
   */
  templateOverheadTokens: z.number().int().optional(),
});
export type TokenizerInfo = z.infer<typeof TokenizerInfoSchema>;

/**
 * One line saying which tokenizer a point used, for tables and the run page: `server /tokenize (vllm shape), template
 * overhead 10 tokens`, `o200k_base (approximate)`, `hf:/models/llama/tokenizer.json`.
 */
export function describeTokenizer(info: TokenizerInfo): string {
  const what =
    info.source === 'server' ? `server /tokenize${info.engine ? ` (${info.engine} shape)` : ''}` : info.name;
  const parts = [info.approximate ? `${what} (approximate)` : what];
  const overhead = info.templateOverheadTokens;
  if (overhead !== undefined) parts.push(`template overhead ${overhead} token${overhead === 1 ? '' : 's'}`);
  return parts.join(', ');
}

/** A setting as one string: `auto`, `o200k_base`, `cl100k_base` or the tokenizer.json path. */
export function tokenizerSettingLabel(setting: TokenizerSetting | null | undefined): string {
  if (setting === null || setting === undefined) return 'auto';
  return typeof setting === 'string' ? setting : setting.path;
}
