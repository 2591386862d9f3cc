/**
 * Recorded-style SSE streams in the shapes real servers send (vLLM, SGLang, OpenAI), used by the parser
 * and client tests and by the quirk server. Written by hand from the servers' documented wire formats.
 */

/** vLLM chat stream: role-only first chunk, content deltas (raw UTF-8), finish chunk, usage chunk with empty choices. */
export const VLLM_CHAT_STREAM =
  'data: {"id":"chatcmpl-1","object":"chat.completion.chunk","created":1,"model":"m","choices":[{"index":0,"delta":{"role":"assistant","content":""},"logprobs":null,"finish_reason":null}]}\n\n' +
  'data: {"id":"chatcmpl-1","object":"chat.completion.chunk","created":1,"model":"m","choices":[{"index":0,"delta":{"content":"Héllo"},"logprobs":null,"finish_reason":null}]}\n\n' +
  'data: {"id":"chatcmpl-1","object":"chat.completion.chunk","created":1,"model":"m","choices":[{"index":0,"delta":{"content":" wörld 你好"},"logprobs":null,"finish_reason":null}]}\n\n' +
  'data: {"id":"chatcmpl-1","object":"chat.completion.chunk","created":1,"model":"m","choices":[{"index":0,"delta":{"content":" 🚀✨"},"logprobs":null,"finish_reason":null}]}\n\n' +
  'data: {"id":"chatcmpl-1","object":"chat.completion.chunk","created":1,"model":"m","choices":[{"index":0,"delta":{"content":""},"logprobs":null,"finish_reason":"stop","stop_reason":null}]}\n\n' +
  'data: {"id":"chatcmpl-1","object":"chat.completion.chunk","created":1,"model":"m","choices":[],"usage":{"prompt_tokens":12,"total_tokens":17,"completion_tokens":5}}\n\n' +
  'data: [DONE]\n\n';

/** OpenAI-style stream with CRLF framing, keep-alive comments and an `event:` field on one event. */
export const OPENAI_CRLF_STREAM =
  ': keep-alive\r\n\r\n' +
  'data: {"id":"c2","object":"chat.completion.chunk","choices":[{"index":0,"delta":{"content":"Hi"},"finish_reason":null}]}\r\n\r\n' +
  ':\r\n' +
  'event: message\r\nid: 7\r\ndata: {"id":"c2","object":"chat.completion.chunk","choices":[{"index":0,"delta":{"content":" there"},"finish_reason":"stop"}],"usage":{"prompt_tokens":3,"completion_tokens":2,"total_tokens":5}}\r\n\r\n' +
  'data: [DONE]\r\n\r\n';

/** The same events with bare CR line endings (legal SSE, rare in practice). */
export const CR_ONLY_STREAM =
  'retry: 3000\r' +
  'data: {"choices":[{"index":0,"delta":{"content":"a"}}]}\r\r' +
  'data:{"choices":[{"index":0,"delta":{"content":"b"}}]}\r\r' +
  'data: [DONE]\r\r';

/** Reasoning model (DeepSeek-R1 style in vLLM): reasoning_content deltas, then content deltas. */
export const REASONING_STREAM =
  'data: {"id":"r","object":"chat.completion.chunk","choices":[{"index":0,"delta":{"role":"assistant"},"finish_reason":null}]}\n\n' +
  'data: {"id":"r","object":"chat.completion.chunk","choices":[{"index":0,"delta":{"reasoning_content":"Let me think"},"finish_reason":null}]}\n\n' +
  'data: {"id":"r","object":"chat.completion.chunk","choices":[{"index":0,"delta":{"reasoning_content":" about ∑."},"finish_reason":null}]}\n\n' +
  'data: {"id":"r","object":"chat.completion.chunk","choices":[{"index":0,"delta":{"content":"Answer: 4"},"finish_reason":null}]}\n\n' +
  'data: {"id":"r","object":"chat.completion.chunk","choices":[{"index":0,"delta":{},"finish_reason":"stop"}]}\n\n' +
  'data: {"id":"r","object":"chat.completion.chunk","choices":[],"usage":{"prompt_tokens":9,"completion_tokens":6,"total_tokens":15,"completion_tokens_details":{"reasoning_tokens":4}}}\n\n' +
  'data: [DONE]\n\n';

/** Tool-call deltas: name first, then argument fragments. */
export const TOOL_CALL_STREAM =
  'data: {"id":"t","object":"chat.completion.chunk","choices":[{"index":0,"delta":{"role":"assistant","content":null,"tool_calls":[{"index":0,"id":"call_1","type":"function","function":{"name":"get_weather","arguments":""}}]},"finish_reason":null}]}\n\n' +
  'data: {"id":"t","object":"chat.completion.chunk","choices":[{"index":0,"delta":{"tool_calls":[{"index":0,"function":{"arguments":"{\\"city\\": "}}]},"finish_reason":null}]}\n\n' +
  'data: {"id":"t","object":"chat.completion.chunk","choices":[{"index":0,"delta":{"tool_calls":[{"index":0,"function":{"arguments":"\\"Paris\\"}"}}]},"finish_reason":null}]}\n\n' +
  'data: {"id":"t","object":"chat.completion.chunk","choices":[{"index":0,"delta":{},"finish_reason":"tool_calls"}]}\n\n' +
  'data: [DONE]\n\n';

/** /v1/completions stream (text deltas). */
export const COMPLETIONS_STREAM =
  'data: {"id":"cmpl-1","object":"text_completion","choices":[{"index":0,"text":"Once","logprobs":null,"finish_reason":null}]}\n\n' +
  'data: {"id":"cmpl-1","object":"text_completion","choices":[{"index":0,"text":" upon","logprobs":null,"finish_reason":null}]}\n\n' +
  'data: {"id":"cmpl-1","object":"text_completion","choices":[{"index":0,"text":" a time","logprobs":null,"finish_reason":"length"}],"usage":null}\n\n' +
  'data: {"id":"cmpl-1","object":"text_completion","choices":[],"usage":{"prompt_tokens":4,"completion_tokens":3,"total_tokens":7}}\n\n' +
  'data: [DONE]\n\n';

/** Spec corner cases: multi-line data, field without colon, unknown field, id with NUL ignored, BOM, empty data. */
export const SPEC_CORNERS_STREAM =
  '\uFEFFdata: line one\ndata: line two\ndata:  two spaces keep one\n\n' +
  'event: custom\nid: 42\nfoo: bar\ndata\n\n' +
  'id: bad\u0000id\ndata: after-bad-id\n\n' +
  'data:\n\n' +
  'event: lonely\n\n' +
  'data: no terminator at end';
