export { createTokenizer, WhitespaceTokenizer, BUILTIN_TOKENIZERS } from './create-tokenizer.js';
export {
  ServerTokenizer,
  detectTokenizeEndpoint,
  serverOrigin,
  splitUnits,
  corpusUnits,
  type TokenizeEndpoint,
  type TokenizeEngine,
  type AdditivityCheck,
} from './server-tokenizer.js';
export {
  resolveTargetTokenizer,
  probeTemplateOverhead,
  parseTokenizerSetting,
  tokenizerSettingString,
  clearTokenizerCache,
  type ResolvedTokenizer,
  type ResolveTokenizerOptions,
  type TokenizerTarget,
} from './resolve-tokenizer.js';
