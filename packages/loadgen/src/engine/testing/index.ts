export { WhitespaceTokenizer } from './whitespace-tokenizer.js';
export { ScriptedClient, type ScriptedReply, type ScriptedCall } from './scripted-client.js';
export { runWithFakeClock } from './drive.js';
export { startSseServer, type SseServer, type SseServerOptions } from './sse-server.js';
