import { Liquid, type Template } from 'liquidjs';
import type { EvalItem, EvalPromptSpec, FewShotSpec } from '@inferbench/contracts';
import { optionLetters } from './extract.js';

/**
 * Sandboxed Liquid engine: templates come only from strings (an empty in-memory template map, so `include` /
 * `render` / `layout` can read no file), variables resolve own properties only (no `constructor`, `__proto__`,
 * prototype methods), unknown filters are errors, and parse/render time and memory are bounded.
 */
export function createSandboxedLiquid(): Liquid {
  return new Liquid({
    templates: {},
    relativeReference: false,
    ownPropertyOnly: true,
    strictFilters: true,
    strictVariables: false,
    jsTruthy: false,
    parseLimit: 200_000,
    renderLimit: 1_000,
    memoryLimit: 10_000_000,
    cache: false,
  });
}

export interface ChatMessage {
  role: 'system' | 'user' | 'assistant';
  content: string;
}

export type BuiltPrompt =
  { format: 'chat'; messages: ChatMessage[] } | { format: 'completion'; prompt: string };

/**
 * Variables every template sees: `input` (alias `question`), `context`, `choices` (texts), `options`
 * (`[{letter, text}]`), `letters` ("A, B, C, D"), `answer` (the reference: a letter for multiple choice),
 * `answer_text` (the right option's text, or the answer), `references`, `labels` (task label set, comma-joined
 * in `labels_text`), `id`, `meta`.
 */
export function templateVars(item: EvalItem, labels?: readonly string[]): Record<string, unknown> {
  const choices = item.choices ?? [];
  const letters = optionLetters(choices.length);
  const answerText =
    item.answerIndex !== undefined && choices[item.answerIndex] !== undefined
      ? choices[item.answerIndex]
      : item.answer;
  return {
    id: item.id,
    input: item.input,
    question: item.input,
    context: item.context ?? '',
    choices,
    options: choices.map((text, i) => ({ letter: letters[i], text })),
    letters: letters.join(', '),
    answer: item.answer ?? '',
    answer_text: answerText ?? '',
    references: item.references ?? (item.answer !== undefined ? [item.answer] : []),
    labels: labels ?? [],
    labels_text: (labels ?? []).join(', '),
    meta: item.meta ?? {},
  };
}

/** A task's templates parsed once; rendering is synchronous. */
export class PromptRenderer {
  private readonly engine: Liquid;
  private readonly main: Template[];
  private readonly system: Template[] | undefined;
  private readonly answer: Template[];

  constructor(
    readonly prompt: EvalPromptSpec,
    readonly fewShot: Pick<FewShotSpec, 'style' | 'separator'>,
    readonly labels?: readonly string[],
    defaultAnswerTemplate = '{{ answer }}',
  ) {
    this.engine = createSandboxedLiquid();
    this.main = this.engine.parse(prompt.template);
    this.system = prompt.system !== undefined ? this.engine.parse(prompt.system) : undefined;
    this.answer = this.engine.parse(prompt.answerTemplate ?? defaultAnswerTemplate);
  }

  private render(tpl: Template[], item: EvalItem): string {
    return String(this.engine.renderSync(tpl, templateVars(item, this.labels)));
  }

  /** The question part for one item (no system prompt, no examples). */
  renderQuestion(item: EvalItem): string {
    return this.render(this.main, item);
  }

  /** An example's answer (`answerTemplate`). */
  renderAnswer(item: EvalItem): string {
    return this.render(this.answer, item);
  }

  /** The full prompt: system prompt, few-shot examples (one prompt or multi-turn), then the item. */
  build(item: EvalItem, examples: readonly EvalItem[] = []): BuiltPrompt {
    const system = this.system ? this.render(this.system, item) : undefined;
    const question = this.renderQuestion(item);
    const sep = this.prompt.answerSeparator;
    if (this.prompt.format === 'chat') {
      const messages: ChatMessage[] = [];
      if (system !== undefined && system.length > 0) messages.push({ role: 'system', content: system });
      if (this.fewShot.style === 'multi_turn') {
        for (const ex of examples) {
          messages.push({ role: 'user', content: this.renderQuestion(ex) });
          messages.push({ role: 'assistant', content: this.renderAnswer(ex) });
        }
        messages.push({ role: 'user', content: question });
      } else {
        const shots = examples.map((ex) => `${this.renderQuestion(ex)}${sep}${this.renderAnswer(ex)}`);
        messages.push({ role: 'user', content: [...shots, question].join(this.fewShot.separator) });
      }
      return { format: 'chat', messages };
    }
    const shots = examples.map((ex) => `${this.renderQuestion(ex)}${sep}${this.renderAnswer(ex)}`);
    const body = [...shots, question].join(this.fewShot.separator);
    return { format: 'completion', prompt: system ? `${system}\n\n${body}` : body };
  }
}
