export {
  startQuirkServer,
  quirkText,
  QUIRK_TOKENS,
  QUIRK_REASONING,
  QUIRK_TOOL_ARGS,
  type QuirkScenario,
  type QuirkServer,
  type QuirkServerOptions,
  type QuirkRequestRecord,
  type QuirkConnectionStats,
} from './quirk-server.js';
export * from './sse-fixtures.js';
