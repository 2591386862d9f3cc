import type { Prompt } from '../ports.js';

/** A chat message as sent to the server. */
export interface ChatMessage {
  role: 'system' | 'user' | 'assistant';
  content: string;
}

/** One dataset record, normalized: the whole conversation as messages. */
export interface DatasetRecord {
  /** the shape the line had */
  format: 'prompts' | 'chat' | 'sharegpt';
  messages: ChatMessage[];
}

const SHAREGPT_ROLES: Record<string, ChatMessage['role']> = {
  human: 'user',
  user: 'user',
  gpt: 'assistant',
  chatgpt: 'assistant',
  assistant: 'assistant',
  bard: 'assistant',
  bing: 'assistant',
  model: 'assistant',
  system: 'system',
};

function parseRecord(rec: unknown, where: string): DatasetRecord | null {
  if (rec === null || typeof rec !== 'object') throw new Error(`${where}: not a JSON object`);
  const r = rec as Record<string, unknown>;
  if (typeof r.prompt === 'string') {
    return { format: 'prompts', messages: [{ role: 'user', content: r.prompt }] };
  }
  if (Array.isArray(r.messages)) {
    const messages: ChatMessage[] = [];
    for (const m of r.messages as unknown[]) {
      const mm = m as Record<string, unknown> | null;
      const role = mm?.role;
      if ((role !== 'system' && role !== 'user' && role !== 'assistant') || typeof mm?.content !== 'string') {
        throw new Error(`${where}: each message needs role system|user|assistant and string content`);
      }
      messages.push({ role, content: mm.content });
    }
    return { format: 'chat', messages };
  }
  if (Array.isArray(r.conversations)) {
    const messages: ChatMessage[] = [];
    for (const m of r.conversations as unknown[]) {
      const mm = m as Record<string, unknown> | null;
      const from = typeof mm?.from === 'string' ? mm.from.toLowerCase() : undefined;
      const role = from !== undefined ? SHAREGPT_ROLES[from] : undefined;
      if (role === undefined || typeof mm?.value !== 'string') {
        throw new Error(`${where}: each ShareGPT turn needs from (human|gpt|system) and string value`);
      }
      messages.push({ role, content: mm.value });
    }
    return { format: 'sharegpt', messages };
  }
  throw new Error(`${where}: expected "prompt", "messages" or "conversations"`);
}

/**
 * Parses a dataset: JSONL (one record per line; blank lines skipped) or one top-level JSON array (as ShareGPT dumps
 * are usually shipped). Each record's shape is detected from its keys: `{"prompt"}`, `{"messages":[{role,content}]}`
 * or ShareGPT `{"conversations":[{from,value}]}`. Records without any user message are dropped.
 */
export function parseDataset(text: string): DatasetRecord[] {
  const trimmed = text.trimStart();
  const raw: { rec: unknown; where: string }[] = [];
  if (trimmed.startsWith('[')) {
    const arr = JSON.parse(trimmed) as unknown[];
    arr.forEach((rec, i) => raw.push({ rec, where: `record ${i}` }));
  } else {
    const lines = text.split(/\r?\n/);
    for (let i = 0; i < lines.length; i++) {
      const line = lines[i]!.trim();
      if (line === '') continue;
      try {
        raw.push({ rec: JSON.parse(line), where: `line ${i + 1}` });
      } catch {
        throw new Error(`dataset line ${i + 1}: not JSON`);
      }
    }
  }
  const out: DatasetRecord[] = [];
  for (const { rec, where } of raw) {
    const r = parseRecord(rec, `dataset ${where}`);
    if (r && r.messages.some((m) => m.role === 'user')) out.push(r);
  }
  return out;
}

/** One request of a conversation: the messages to send and the dataset's reply to it, if any. */
export interface DatasetTurn {
  /** the new user message of this turn (earlier history is added by the session) */
  user: string;
  /** the dataset's own reply (its length is the default output length) */
  reply?: string;
}

/** A conversation ready to replay: leading system messages and its user turns. */
export interface DatasetConversation {
  system: ChatMessage[];
  /** messages sent before the first turn's user message (chat records sent as one request keep their history) */
  history: ChatMessage[];
  turns: DatasetTurn[];
}

/**
 * The requests a record produces. Single-turn (default): ShareGPT and plain prompts send their first user
 * message; a chat record sends its messages up to the last user message as one request. Multi-turn: every user
 * message in order (history rebuilt from the server's replies), at most `maxTurns`.
 */
export function toConversation(
  rec: DatasetRecord,
  multiTurn: boolean,
  maxTurns = Infinity,
): DatasetConversation {
  const msgs = rec.messages;
  let i = 0;
  const system: ChatMessage[] = [];
  while (i < msgs.length && msgs[i]!.role === 'system') system.push(msgs[i++]!);
  const rest = msgs.slice(i);
  const replyAfter = (idx: number): string | undefined => {
    const next = rest[idx + 1];
    return next?.role === 'assistant' ? next.content : undefined;
  };
  if (!multiTurn && rec.format === 'chat') {
    const lastUser = rest.map((m) => m.role).lastIndexOf('user');
    const reply = replyAfter(lastUser);
    return {
      system,
      history: rest.slice(0, lastUser),
      turns: [{ user: rest[lastUser]!.content, ...(reply !== undefined ? { reply } : {}) }],
    };
  }
  const turns: DatasetTurn[] = [];
  rest.forEach((m, idx) => {
    if (m.role !== 'user') return;
    const reply = replyAfter(idx);
    turns.push({ user: m.content, ...(reply !== undefined ? { reply } : {}) });
  });
  return { system, history: [], turns: turns.slice(0, multiTurn ? maxTurns : 1) };
}

/**
 * The prompt for a target: chat targets get the messages; completions targets get the user text as-is when there
 * is a single user message (so token counts stay exact), else the conversation rendered as `Role: text` blocks.
 */
export function toPrompt(messages: readonly ChatMessage[], apiKind: 'chat' | 'completions'): Prompt {
  if (apiKind === 'chat') return { kind: 'chat', messages: messages.map((m) => ({ ...m })) };
  if (messages.length === 1 && messages[0]!.role === 'user')
    return { kind: 'text', text: messages[0]!.content };
  const label = { system: 'System', user: 'User', assistant: 'Assistant' } as const;
  return {
    kind: 'text',
    text: messages.map((m) => `${label[m.role]}: ${m.content}`).join('\n\n') + '\n\nAssistant:',
  };
}
