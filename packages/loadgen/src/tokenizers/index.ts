export { createTokenizer, WhitespaceTokenizer, BUILTIN_TOKENIZERS } from './create-tokenizer.js';
