import { describe, expect, it } from 'vitest';
import type { EvalItem, EvalTaskSpecInput } from '@inferbench/contracts';
import {
  aggregateTask,
  comparePaired,
  continuationLogprob,
  correctnessById,
  EvalCapabilityError,
  LOGLIKELIHOOD_PROBE,
  nextTokenProbe,
  parseJudgeVerdict,
  PreparedTask,
  responseCacheKey,
  runTask,
  taskVersionHash,
  type EvalRequest,
  type EvalResponse,
} from '../src/index.js';

const mcTask: EvalTaskSpecInput = {
  id: 'mc',
  dataset: { source: 'x.jsonl' },
  prompt: {
    template: '{{ question }}\n{% for o in options %}{{ o.letter }}. {{ o.text }}\n{% endfor %}Answer:',
  },
  scoring: { mode: 'generate', extract: { kind: 'option_letter' } },
};
const items: EvalItem[] = [
  { id: 'i1', input: 'Largest?', choices: ['1', '9', '5', '3'], answerIndex: 1, answer: 'B' },
  { id: 'i2', input: 'Smallest?', choices: ['8', '6', '2', '7'], answerIndex: 2, answer: 'C' },
];

const chat = (content: string | null, reasoning?: string): EvalResponse => ({
  status: 200,
  latencyMs: 5,
  body: {
    choices: [
      {
        message: { role: 'assistant', content, ...(reasoning ? { reasoning_content: reasoning } : {}) },
        finish_reason: 'stop',
      },
    ],
    usage: { prompt_tokens: 10, completion_tokens: 2 },
  },
});

/** A fake model answering with the option whose text is the largest/smallest number as the question says. */
function oracle(req: EvalRequest): string {
  const msgs = req.body.messages as Array<{ content: string }>;
  const text = msgs[msgs.length - 1]!.content;
  const opts = [...text.matchAll(/^([A-D])\. (\d+)$/gm)].map((m) => [m[1]!, Number(m[2])] as const);
  const pickMax = text.startsWith('Largest');
  const best = opts.reduce((a, b) => ((pickMax ? b[1] > a[1] : b[1] < a[1]) ? b : a));
  return best[0];
}

describe('task version hash', () => {
  const h = taskVersionHash(mcTask);
  it('ignores id, description, tags, dataset path and key order', () => {
    expect(
      taskVersionHash({
        ...mcTask,
        id: 'other',
        description: 'd',
        tags: ['t'],
        dataset: { source: 'y.csv', limit: 5 },
      }),
    ).toBe(h);
    const reordered = {
      scoring: mcTask.scoring,
      prompt: mcTask.prompt,
      dataset: mcTask.dataset,
      id: 'mc',
    } as EvalTaskSpecInput;
    expect(taskVersionHash(reordered)).toBe(h);
    // explicit defaults equal omitted defaults
    expect(taskVersionHash({ ...mcTask, repeats: 1, circular: false })).toBe(h);
  });
  it('changes with the template, the extraction, the few-shot setting and generation parameters', () => {
    expect(taskVersionHash({ ...mcTask, prompt: { template: '{{ question }} Answer:' } })).not.toBe(h);
    expect(
      taskVersionHash({
        ...mcTask,
        scoring: { mode: 'generate', extract: { kind: 'option_letter', which: 'last' } },
      }),
    ).not.toBe(h);
    expect(taskVersionHash({ ...mcTask, fewShot: { mode: 'fixed', k: 3 } })).not.toBe(h);
    expect(taskVersionHash({ ...mcTask, generation: { maxTokens: 17 } })).not.toBe(h);
    expect(taskVersionHash({ ...mcTask, dataset: { source: 'x.jsonl', layout: 'arc' } })).not.toBe(h);
  });
  it('response cache key: same for equal bodies in any key order, different per target/model/body', () => {
    const k = responseCacheKey('t1', 'm', { a: 1, b: [1, { c: 2, d: 3 }] });
    expect(responseCacheKey('t1', 'm', { b: [1, { d: 3, c: 2 }], a: 1 })).toBe(k);
    expect(responseCacheKey('t2', 'm', { a: 1, b: [1, { c: 2, d: 3 }] })).not.toBe(k);
    expect(responseCacheKey('t1', 'm2', { a: 1, b: [1, { c: 2, d: 3 }] })).not.toBe(k);
    expect(responseCacheKey('t1', 'm', { a: 2, b: [1, { c: 2, d: 3 }] })).not.toBe(k);
  });
});

describe('generate + extract', () => {
  it('runs items through a ModelCall and scores them', async () => {
    const task = new PreparedTask(mcTask);
    const seen: EvalRequest[] = [];
    const recs = await runTask(
      task,
      items,
      async (req) => (seen.push(req), chat(`The answer is ${oracle(req)}`)),
      { model: 'm' },
    );
    expect(seen[0]!.endpoint).toBe('chat');
    expect(seen[0]!.body).toMatchObject({ model: 'm', max_tokens: 256, temperature: 0, stream: false });
    expect(recs.map((r) => [r.itemId, r.extracted, r.correct, r.parseStatus])).toEqual([
      ['i1', 'B', true, 'ok'],
      ['i2', 'C', true, 'ok'],
    ]);
    expect(recs[0]!.templateHash).toBe(task.versionHash);
    expect(recs[0]!.promptHash).toMatch(/^[0-9a-f]{64}$/);
    expect(recs[0]!.tokens).toEqual({ input: 10, output: 2, reasoning: 0 });
  });

  it('an unparseable answer is no_answer / invalid, scores 0, and is never replaced by a guess', async () => {
    const task = new PreparedTask(mcTask);
    const replies = ['I cannot decide.', 'The answer is (F).'];
    let i = 0;
    // run many times: a random fallback would sometimes hit the right letter
    for (let round = 0; round < 20; round++) {
      i = 0;
      const recs = await runTask(task, items, async () => chat(replies[i++ % 2]!), {
        model: 'm',
        concurrency: 1,
      });
      expect(recs.map((r) => r.parseStatus)).toEqual(['no_answer', 'invalid']);
      expect(recs.every((r) => r.extracted === null && !r.correct && r.score === 0)).toBe(true);
    }
    i = 0;
    const recs = await runTask(task, items, async () => chat(replies[i++ % 2]!), {
      model: 'm',
      concurrency: 1,
    });
    const s = aggregateTask(task.spec, recs);
    expect(s.accuracy.value).toBe(0);
    expect(s.parseFailureRate).toBe(1);
    expect([s.noAnswer, s.invalid]).toEqual([1, 1]);
  });

  it('reads the answer after the reasoning, never inside it', async () => {
    const task = new PreparedTask(mcTask);
    const recs = await runTask(
      task,
      [items[0]!],
      async () =>
        chat(
          '<think>Option C looks big. The answer is (C).</think>\nThe answer is (B).',
          'Separate field says A.',
        ),
      { model: 'm' },
    );
    expect(recs[0]!.extracted).toBe('B');
    expect(recs[0]!.response.content).toBe('The answer is (B).');
    expect(recs[0]!.response.reasoning).toContain('Separate field says A.');
    expect(recs[0]!.response.reasoning).toContain('Option C looks big');
    const strip = new PreparedTask({ ...mcTask, generation: { reasoning: 'strip' } });
    const r2 = await runTask(strip, [items[0]!], async () => chat('<think>(C)</think>B'), { model: 'm' });
    expect(r2[0]!.response.reasoning).toBeNull();
    expect(r2[0]!.extracted).toBe('B');
  });

  it('failed requests count as wrong with their error', async () => {
    const task = new PreparedTask(mcTask);
    const recs = await runTask(task, items, async () => ({ status: 503, body: {}, error: 'http' }), {
      model: 'm',
    });
    expect(recs.every((r) => !r.correct && r.parseStatus === 'no_answer' && r.error === 'http')).toBe(true);
    expect(aggregateTask(task.spec, recs).errors).toBe(2);
  });

  it('CircularEval: right only if every rotation is right; answers mapped back to the original order', async () => {
    const task = new PreparedTask({ ...mcTask, circular: true });
    expect(task.variants(items[0]!).map((v) => [v.item.choices, v.item.answer])).toEqual([
      [['1', '9', '5', '3'], 'B'],
      [['9', '5', '3', '1'], 'A'],
      [['5', '3', '1', '9'], 'D'],
      [['3', '1', '9', '5'], 'C'],
    ]);
    const good = await runTask(task, items, async (req) => chat(oracle(req)), { model: 'm' });
    expect(good.map((r) => [r.correct, r.samples.length, r.extracted])).toEqual([
      [true, 4, 'B'],
      [true, 4, 'C'],
    ]);
    // a model that always says "B" is right in one rotation of each item only
    const biased = await runTask(task, items, async () => chat('B'), { model: 'm' });
    expect(biased.map((r) => r.correct)).toEqual([false, false]);
    expect(biased[0]!.scores.rotations_right).toBe(0.25);
    // without CircularEval the same biased model gets item 1 right
    const plain = await runTask(new PreparedTask(mcTask), items, async () => chat('B'), { model: 'm' });
    expect(plain.map((r) => r.correct)).toEqual([true, false]);
  });

  it('repeats: mean of samples and majority vote; seeds differ per repeat', async () => {
    const task = new PreparedTask({ ...mcTask, repeats: 3, generation: { temperature: 0.7, seed: 10 } });
    const answers = ['B', 'D', 'B'];
    const seeds: unknown[] = [];
    let i = 0;
    const recs = await runTask(
      task,
      [items[0]!],
      async (req) => (seeds.push(req.body.seed), chat(answers[i++]!)),
      { model: 'm' },
    );
    expect(seeds).toEqual([10, 11, 12]);
    expect(recs[0]!.extracted).toBe('B');
    expect(recs[0]!.correct).toBe(true);
    expect(recs[0]!.score).toBeCloseTo(2 / 3, 12);
    const s = aggregateTask(task.spec, recs);
    expect(s.accuracy.value).toBeCloseTo(2 / 3, 12);
    expect(s.majorityAccuracy).toBe(1);
  });

  it('numeric tasks compare numbers with tolerance', () => {
    const t = new PreparedTask({
      ...mcTask,
      id: 'num',
      scoring: { mode: 'generate', extract: { kind: 'number', which: 'last' } },
    });
    const item: EvalItem = { id: 'n', input: '2+2', answer: '1,000' };
    const v = t.variants(item)[0]!;
    expect(t.scoreSample(v, { repeat: 0, rotation: 0, content: 'so 998 + 2 = 1000.0' }).correct).toBe(true);
    expect(t.scoreSample(v, { repeat: 0, rotation: 0, content: 'so 1001' }).correct).toBe(false);
  });
});

describe('next-token option letter', () => {
  const task = new PreparedTask({
    ...mcTask,
    prompt: { ...mcTask.prompt, format: 'completion' },
    scoring: { mode: 'next_token' },
  });
  it('builds a one-token request and picks the best option letter from top logprobs', async () => {
    const reqs: EvalRequest[] = [];
    const call = async (req: EvalRequest): Promise<EvalResponse> => {
      reqs.push(req);
      return {
        status: 200,
        body: {
          choices: [
            { text: ' B', logprobs: { top_logprobs: [{ ' B': -0.3, ' C': -1.2, B: -2.5, ' the': -0.1 }] } },
          ],
        },
      };
    };
    const recs = await runTask(task, items, call, { model: 'm' });
    expect(reqs[0]!.purpose).toBe('probe');
    expect(reqs[1]!.body).toMatchObject({ max_tokens: 1, logprobs: 20, temperature: 0 });
    expect(recs[0]!.samples[0]!.letterLogprobs).toEqual({ A: null, B: -0.3, C: -1.2, D: null });
    expect(recs.map((r) => r.extracted)).toEqual(['B', 'B']);
    expect(recs.map((r) => r.correct)).toEqual([true, false]);
  });
  it('chat top_logprobs list; no letter among them → no_answer (not a guess)', () => {
    const v = task.variants(items[0]!)[0]!;
    const s = task.scoreSample(v, {
      repeat: 0,
      rotation: 0,
      letterLogprobs: { A: null, B: null, C: null, D: null },
    });
    expect(s).toMatchObject({ parseStatus: 'no_answer', extracted: null, correct: false });
  });
  it('probe says plainly when top logprobs are missing', () => {
    const p = nextTokenProbe('chat');
    expect(p.request('m').body).toMatchObject({ logprobs: true, top_logprobs: 5 });
    expect(p.judge({ status: 200, body: { choices: [{ message: { content: 'A' } }] } })).toEqual({
      supported: false,
      reason: 'next-token scoring unsupported: the response has no top logprobs',
    });
    const ok = {
      status: 200,
      body: {
        choices: [
          {
            logprobs: { content: [{ token: 'A', logprob: -1, top_logprobs: [{ token: 'A', logprob: -1 }] }] },
          },
        ],
      },
    };
    expect(p.judge(ok).supported).toBe(true);
  });
});

/** A fake completions server with echo: one token per character, logprob per character from a table. */
function echoServer(charLogprob: (ch: string) => number, opts: { echo?: boolean } = {}) {
  return async (req: EvalRequest): Promise<EvalResponse> => {
    const prompt = String(req.body.prompt);
    if (opts.echo === false) {
      return {
        status: 200,
        body: {
          choices: [
            { text: 'x', logprobs: { tokens: ['x'], token_logprobs: [-1], text_offset: [prompt.length] } },
          ],
        },
      };
    }
    const text = prompt + 'x';
    const tokens = [...text];
    return {
      status: 200,
      body: {
        choices: [
          {
            text,
            logprobs: {
              tokens,
              token_logprobs: tokens.map((t, i) => (i === 0 ? null : charLogprob(t))),
              text_offset: tokens.map((_, i) => i),
            },
          },
        ],
      },
    };
  };
}

describe('full option log-likelihood', () => {
  const llTask: EvalTaskSpecInput = {
    id: 'll',
    dataset: { source: 'x' },
    prompt: { format: 'completion', template: 'Q: {{ input }}\nA:' },
    scoring: { mode: 'loglikelihood', normalize: 'chars' },
  };
  const item: EvalItem = { id: 'l1', input: 'pick', choices: ['aaaa', 'b'], answerIndex: 0, answer: 'A' };
  it('sums the continuation tokens; acc and acc_norm differ when lengths differ', async () => {
    // each 'a' costs −1, 'b' −3, space −0.5: " aaaa" = −4.5 (5 chars → −0.9/char), " b" = −3.5 (2 chars → −1.75/char)
    const lp = (ch: string): number => (ch === 'a' ? -1 : ch === 'b' ? -3 : ch === ' ' ? -0.5 : -9);
    const task = new PreparedTask(llTask);
    const reqs: EvalRequest[] = [];
    const server = echoServer(lp);
    const recs = await runTask(task, [item], async (r) => (reqs.push(r), server(r)), { model: 'm' });
    expect(reqs.filter((r) => r.purpose === 'loglikelihood').map((r) => r.body.prompt)).toEqual([
      'Q: pick\nA: aaaa',
      'Q: pick\nA: b',
    ]);
    expect(reqs[1]!.body).toMatchObject({ echo: true, logprobs: 1, max_tokens: 1 });
    const s = recs[0]!.samples[0]!;
    expect(s.optionLogprobs).toEqual([
      { logprob: -4.5, tokens: 5, chars: 5 },
      { logprob: -3.5, tokens: 2, chars: 2 },
    ]);
    // acc picks B (−3.5 > −4.5): wrong; acc_norm picks A (−0.9 > −1.75): right
    expect(s.scores).toMatchObject({ acc: 0, acc_norm: 1 });
    expect(recs[0]!.correct).toBe(true);
    const agg = aggregateTask(task.spec, recs);
    expect([agg.acc, agg.accNorm]).toEqual([0, 1]);
  });
  it('continuationLogprob: boundary and generated token excluded', () => {
    const body = {
      choices: [
        {
          text: 'ab cdX',
          logprobs: {
            tokens: ['ab', ' c', 'd', 'X'],
            token_logprobs: [null, -1, -2, -7],
            text_offset: [0, 2, 4, 5],
          },
        },
      ],
    };
    expect(continuationLogprob(body, 2, 5)).toMatchObject({
      logprob: -3,
      tokens: 2,
      chars: 3,
      boundaryMerged: false,
    });
    // context "ab " (3 chars): token " c" spans the boundary
    expect(continuationLogprob(body, 3, 5)).toMatchObject({ logprob: -3, boundaryMerged: true });
  });
  it('a server that ignores echo fails the probe with a plain reason and the run refuses', async () => {
    const bad = echoServer(() => -1, { echo: false });
    const v = LOGLIKELIHOOD_PROBE.judge(await bad(LOGLIKELIHOOD_PROBE.request('m')));
    expect(v.supported).toBe(false);
    expect(v.reason).toMatch(/^likelihood scoring unsupported: /);
    expect(LOGLIKELIHOOD_PROBE.judge({ status: 400, body: {}, error: 'echo not supported' }).reason).toMatch(
      /unsupported.*HTTP 400/,
    );
    await expect(runTask(new PreparedTask(llTask), [item], bad, { model: 'm' })).rejects.toBeInstanceOf(
      EvalCapabilityError,
    );
    expect(
      LOGLIKELIHOOD_PROBE.judge(await echoServer(() => -1)(LOGLIKELIHOOD_PROBE.request('m'))).supported,
    ).toBe(true);
  });
  it('needs a completion prompt', () => {
    expect(() => new PreparedTask({ ...llTask, prompt: { format: 'chat', template: 'x' } })).toThrow(
      /completion/,
    );
  });
});

describe('assertions and LLM-as-judge', () => {
  it('assertions: JSON schema (ajv), contains reference', async () => {
    const task = new PreparedTask({
      id: 'as',
      dataset: { source: 'x' },
      prompt: { template: '{{ input }}' },
      scoring: {
        mode: 'assert',
        assertions: [
          {
            kind: 'json_schema',
            schema: { type: 'object', required: ['capital'], properties: { capital: { type: 'string' } } },
          },
          { kind: 'contains_reference' },
        ],
      },
      metrics: ['accuracy', 'assert_pass_rate'],
    });
    const it1: EvalItem = { id: 'c', input: 'Capital of France?', answer: 'Paris' };
    const v = task.variants(it1)[0]!;
    expect(task.scoreSample(v, { repeat: 0, rotation: 0, content: '{"capital": "Paris"}' })).toMatchObject({
      correct: true,
      scores: { assert_pass_rate: 1 },
    });
    expect(task.scoreSample(v, { repeat: 0, rotation: 0, content: '{"capital": 7} Paris' })).toMatchObject({
      correct: false,
      scores: { assert_pass_rate: 0.5 },
    });
    expect(task.scoreSample(v, { repeat: 0, rotation: 0, content: '{"city": "Lyon"}' })).toMatchObject({
      correct: false,
      scores: { assert_pass_rate: 0 },
    });
    // compact JSON: the reference is still a word of its own after normalisation
    expect(task.scoreSample(v, { repeat: 0, rotation: 0, content: '{"capital":"Paris"}' })).toMatchObject({
      correct: true,
      scores: { assert_pass_rate: 1 },
    });
    // ... but never part of a longer word
    expect(
      task.scoreSample(v, { repeat: 0, rotation: 0, content: '{"capital":"Parisville"}' }),
    ).toMatchObject({
      correct: false,
      scores: { assert_pass_rate: 0.5 },
    });
  });
  it('judge verdict parsing', () => {
    expect(parseJudgeVerdict('Reasoning...\nVERDICT: CORRECT', 'binary')).toEqual({
      status: 'ok',
      pass: true,
      score: 1,
    });
    expect(parseJudgeVerdict('VERDICT: CORRECT?\nOn reflection VERDICT: INCORRECT', 'binary')).toMatchObject({
      pass: false,
      status: 'ok',
    });
    expect(parseJudgeVerdict('{"verdict": "correct"}', 'binary')).toMatchObject({ pass: true });
    expect(parseJudgeVerdict('looks fine to me', 'binary')).toMatchObject({ status: 'invalid', pass: false });
    expect(parseJudgeVerdict('SCORE: 4/5', 'scale', 5)).toEqual({ status: 'ok', pass: true, score: 0.75 });
    expect(parseJudgeVerdict('SCORE: 2', 'scale', 5)).toMatchObject({ pass: false, score: 0.25 });
    expect(parseJudgeVerdict('SCORE: 9', 'scale', 5)).toMatchObject({ status: 'invalid' });
    expect(parseJudgeVerdict('', 'scale')).toMatchObject({ status: 'no_answer' });
  });
  it('judge mode: answer to the target, rubric to the judge, verdict parsed', async () => {
    const task = new PreparedTask({
      id: 'j',
      dataset: { source: 'x' },
      prompt: { template: '{{ input }}' },
      scoring: { mode: 'judge', rubric: 'Correct if it names the capital.' },
    });
    const judged: EvalRequest[] = [];
    const recs = await runTask(
      task,
      [
        { id: 'a', input: 'Capital of Italy?', answer: 'Rome' },
        { id: 'b', input: 'Capital of Spain?', answer: 'Madrid' },
      ],
      async (req) =>
        chat(
          (req.body.messages as Array<{ content: string }>)[0]!.content.includes('Italy')
            ? '<think>Milan?</think>Rome'
            : 'Barcelona',
        ),
      {
        model: 'm',
        concurrency: 1,
        judge: {
          model: 'judge',
          call: async (req) => {
            judged.push(req);
            const user = (req.body.messages as Array<{ content: string }>)[1]!.content;
            return chat(user.includes('Rome') ? 'VERDICT: CORRECT' : 'hmm');
          },
        },
      },
    );
    expect(judged[0]!.body.model).toBe('judge');
    const sys = (judged[0]!.body.messages as Array<{ content: string }>)[0]!.content;
    expect(sys).toContain('Correct if it names the capital.');
    const user = (judged[0]!.body.messages as Array<{ content: string }>)[1]!.content;
    expect(user).toContain('[Reference answer]\nRome');
    expect(user).not.toContain('Milan');
    expect(recs.map((r) => [r.correct, r.parseStatus])).toEqual([
      [true, 'ok'],
      [false, 'invalid'],
    ]);
  });
});

describe('paired comparison from records', () => {
  it('flips between two runs', async () => {
    const task = new PreparedTask(mcTask);
    const a = await runTask(task, items, async (req) => chat(oracle(req)), { model: 'm' });
    const b = await runTask(task, items, async () => chat('B'), { model: 'm' });
    const cmp = comparePaired(correctnessById(a), correctnessById(b));
    expect(cmp.flips).toEqual({ rightToWrong: ['i2'], wrongToRight: [] });
    expect(cmp.mcnemar.pValue).toBe(1);
  });
});
