import type { ApiKind, LengthDist, WorkloadSpec } from '@inferbench/contracts';
import type { Prompt, Rng, Tokenizer } from '../ports.js';
import { createRng, deriveSeed } from '../strategies/rng.js';
import {
  type ChatMessage,
  type DatasetConversation,
  parseDataset,
  toConversation,
  toPrompt,
} from './dataset.js';
import { defaultLoadDataset } from './dataset-source.js';
import { sampleLength } from './lengths.js';
import { type BuiltText, SyntheticPromptBuilder } from './prompt-builder.js';

/** One request of a workload, ready for `LlmClient.send`. */
export interface WorkItem {
  prompt: Prompt;
  /** client-side token count of the prompt (message contents; chat template tokens are not counted) */
  promptTokens: number;
  /** output length asked for (sent as max_tokens); undefined → params.maxTokens */
  maxTokens?: number;
  /** multi-turn only: which session and turn (0-based) */
  session?: { id: number; turn: number; turns: number };
}

/** What happened to a WorkItem, as the workload needs it (multi-turn history). */
export interface WorkResult {
  ok: boolean;
  /** the server's reply (content), appended to the session history */
  replyText: string;
}

/** A source of requests. `next` never blocks; multi-turn sessions continue only after `complete`. */
export interface WorkloadSource {
  /** the next request: a ready turn of a running session first, else the first turn of a new one */
  next(): WorkItem;
  /** a plain synthetic request of exactly these lengths (trace replay) */
  nextWithLengths(inputTokens: number, outputTokens: number): WorkItem;
  /** report a finished request; a multi-turn session's next turn becomes ready (or the session ends on failure) */
  complete(item: WorkItem, result: WorkResult): void;
  /** plain-language notes from building the workload (e.g. dataset records filtered out) */
  readonly notes: string[];
}

export interface CreateWorkloadOptions {
  tokenizer: Tokenizer;
  seed: number;
  apiKind: ApiKind;
  /** reads `builtin:` names and files; default `defaultLoadDataset` */
  loadDataset?: (source: string) => Promise<string>;
}

/** How one turn of a session is produced. */
interface TurnSpec {
  /** the new user message */
  user: BuiltText;
  maxTokens?: number;
}

interface Session {
  id: number;
  turns: number;
  turn: number;
  /** system messages + earlier turns (user and server replies) */
  history: ChatMessage[];
  makeTurn(i: number): TurnSpec;
}

const sessionOf = new WeakMap<WorkItem, Session>();

/**
 * Builds the request source for a workload spec. Synthetic prompts have exact token counts (see
 * `SyntheticPromptBuilder`); datasets are loaded, filtered by input tokens, shuffled with the seed and cycled.
 */
export async function createWorkload(
  spec: WorkloadSpec,
  opts: CreateWorkloadOptions,
): Promise<WorkloadSource> {
  const { tokenizer, apiKind } = opts;
  const rng = createRng(deriveSeed(opts.seed, 'workload'));
  const builder = new SyntheticPromptBuilder(tokenizer, deriveSeed(opts.seed, 'prompts'));
  const notes: string[] = [];
  const ready: Session[] = [];
  let sessionSeq = 0;
  let newSession: () => Session;

  if (spec.kind === 'synthetic') {
    const prefixes: BuiltText[] = [];
    if (spec.sharedPrefix) {
      for (let g = 0; g < spec.sharedPrefix.groups; g++)
        prefixes.push(builder.build(spec.sharedPrefix.prefixTokens));
    }
    const turnsDist: LengthDist = spec.multiTurn?.turns ?? { kind: 'fixed', value: 1 };
    newSession = () => {
      const id = sessionSeq++;
      const prefix = prefixes.length > 0 ? prefixes[id % prefixes.length] : undefined;
      return {
        id,
        turns: sampleLength(turnsDist, rng),
        turn: 0,
        history: [],
        // the shared prefix opens a session's first message only: later turns already share the history
        makeTurn: (i) => ({
          user: builder.build(sampleLength(spec.inputTokens, rng), i === 0 ? prefix : undefined),
          maxTokens: sampleLength(spec.outputTokens, rng),
        }),
      };
    };
  } else {
    const text = await (opts.loadDataset ?? defaultLoadDataset)(spec.source);
    const records = parseDataset(text);
    const multi = spec.multiTurn !== undefined;
    const convs: DatasetConversation[] = [];
    let filtered = 0;
    for (const rec of records) {
      const conv = toConversation(rec, multi, spec.multiTurn?.maxTurns);
      const first = conv.turns[0];
      if (!first) continue;
      const inputTokens = countMessages(tokenizer, [
        ...conv.system,
        ...conv.history,
        { role: 'user', content: first.user },
      ]);
      if (
        (spec.minInputTokens !== undefined && inputTokens < spec.minInputTokens) ||
        (spec.maxInputTokens !== undefined && inputTokens > spec.maxInputTokens)
      ) {
        filtered++;
        continue;
      }
      convs.push(conv);
    }
    if (filtered > 0)
      notes.push(`${filtered} of ${records.length} dataset records left out by the input-token filter`);
    if (convs.length === 0) {
      throw new Error(
        `dataset ${spec.source}: no usable records (${records.length} read, ${filtered} filtered out)`,
      );
    }
    shuffle(convs, rng);
    let cursor = 0;
    newSession = () => {
      const conv = convs[cursor++ % convs.length]!;
      return {
        id: sessionSeq++,
        turns: conv.turns.length,
        turn: 0,
        history: [...conv.system, ...conv.history],
        makeTurn: (i) => {
          const t = conv.turns[i]!;
          const maxTokens = spec.outputTokens
            ? sampleLength(spec.outputTokens, rng)
            : t.reply !== undefined
              ? Math.max(1, tokenizer.count(t.reply))
              : undefined;
          return {
            user: { text: t.user, tokens: tokenizer.count(t.user), exact: true },
            ...(maxTokens ? { maxTokens } : {}),
          };
        },
      };
    };
  }

  const issue = (s: Session): WorkItem => {
    const spec = s.makeTurn(s.turn);
    const messages: ChatMessage[] = [...s.history, { role: 'user', content: spec.user.text }];
    s.history = messages;
    const prompt = toPrompt(messages, apiKind);
    const promptTokens =
      messages.length === 1
        ? spec.user.tokens
        : prompt.kind === 'text'
          ? tokenizer.count(prompt.text)
          : countMessages(tokenizer, messages);
    const item: WorkItem = {
      prompt,
      promptTokens,
      ...(spec.maxTokens !== undefined ? { maxTokens: spec.maxTokens } : {}),
      ...(s.turns > 1 ? { session: { id: s.id, turn: s.turn, turns: s.turns } } : {}),
    };
    if (s.turns > 1) sessionOf.set(item, s);
    return item;
  };

  return {
    notes,
    next(): WorkItem {
      const s = ready.shift() ?? newSession();
      return issue(s);
    },
    nextWithLengths(inputTokens: number, outputTokens: number): WorkItem {
      const user = builder.build(inputTokens);
      return {
        prompt: toPrompt([{ role: 'user', content: user.text }], apiKind),
        promptTokens: user.tokens,
        maxTokens: outputTokens,
      };
    },
    complete(item: WorkItem, result: WorkResult): void {
      const s = sessionOf.get(item);
      if (!s) return;
      sessionOf.delete(item);
      // a failed or empty turn ends the session: its history would no longer be a real conversation
      if (!result.ok || result.replyText === '' || s.turn + 1 >= s.turns) return;
      s.history.push({ role: 'assistant', content: result.replyText });
      s.turn++;
      ready.push(s);
    },
  };
}

/** Token count of a conversation's message contents (chat template tokens are not counted). */
export function countMessages(tokenizer: Tokenizer, messages: readonly ChatMessage[]): number {
  let n = 0;
  for (const m of messages) n += tokenizer.count(m.content);
  return n;
}

function shuffle<T>(arr: T[], rng: Rng): void {
  for (let i = arr.length - 1; i > 0; i--) {
    const j = Math.floor(rng.next() * (i + 1));
    [arr[i], arr[j]] = [arr[j]!, arr[i]!];
  }
}
