export {
  OpenAiCompatibleClient,
  DEFAULT_CLIENT_TIMEOUTS,
  type OpenAiCompatibleClientOptions,
} from './openai-client.js';
export { SseParser, type SseEvent } from './sse-parser.js';
export { buildRequestBody, buildHttpRequest, endpointUrl, type BuiltRequest } from './request-body.js';
export { JsonClient, type JsonClientOptions, type JsonResponse } from './json-client.js';
