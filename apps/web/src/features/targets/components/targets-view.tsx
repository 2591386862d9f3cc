'use client';
import { CreateTargetRequestSchema, tokenizerSettingLabel, type Target } from '@inferbench/contracts';
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { useState, type FormEvent } from 'react';
import { Field } from '../../../components/field';
import { EmptyState, ErrorState } from '../../../components/states';
import { getApi } from '../../../lib/api';
import { fieldErrorsFromApi, fieldErrorsFromIssues, leftoverErrors } from '../../../lib/form-errors';
import { formatDateTime } from '../../../lib/format';
import { targetKeys, targetListOptions } from '../queries';

/** Targets: the inference endpoints variants point at. */
export function TargetsView() {
  const list = useQuery(targetListOptions());
  const [isCreating, setIsCreating] = useState(false);
  return (
    <>
      <div className="page-header">
        <div>
          <h1>Targets</h1>
          <p className="muted">
            OpenAI-compatible endpoints (vLLM, SGLang, TGI, llama.cpp, gateways, or the bundled simulator).
          </p>
        </div>
        <div className="actions">
          {!isCreating ? (
            <button type="button" className="btn btn-primary" onClick={() => setIsCreating(true)}>
              Add target
            </button>
          ) : null}
        </div>
      </div>
      {isCreating ? <CreateTargetForm onDone={() => setIsCreating(false)} /> : null}
      {list.isError ? (
        <ErrorState error={list.error} onRetry={() => void list.refetch()} title="Could not load targets" />
      ) : list.isPending ? (
        <p className="muted">Loading targets…</p>
      ) : list.data.items.length === 0 ? (
        <EmptyState title="No targets yet">
          Add the inference server you want to measure; its API key is stored encrypted and never shown again.
        </EmptyState>
      ) : (
        <TargetTable targets={list.data.items} />
      )}
    </>
  );
}

function TargetTable({ targets }: { targets: Target[] }) {
  const queryClient = useQueryClient();
  const remove = useMutation({
    mutationFn: (id: string) => getApi().deleteTarget(id),
    onSuccess: () => queryClient.invalidateQueries({ queryKey: targetKeys.all }),
  });
  return (
    <>
      {remove.isError ? <ErrorState error={remove.error} title="The target could not be deleted" /> : null}
      <div className="table-wrap">
        <table>
          <thead>
            <tr>
              <th>Name</th>
              <th>Base URL</th>
              <th>Model</th>
              <th>API</th>
              <th>Pool</th>
              <th>API key</th>
              <th>Created</th>
              <th />
            </tr>
          </thead>
          <tbody>
            {targets.map((t) => (
              <tr key={t.id}>
                <td>
                  <strong>{t.name}</strong>
                  {t.metricsUrl ? <div className="muted small">metrics: {t.metricsUrl}</div> : null}
                  {t.connection === 'close' ? (
                    <div className="muted small">one connection per request</div>
                  ) : null}
                  {t.tokenizer !== null ? (
                    <div className="muted small">tokenizer: {tokenizerSettingLabel(t.tokenizer)}</div>
                  ) : null}
                </td>
                <td className="mono small">{t.baseUrl}</td>
                <td className="mono small">{t.model}</td>
                <td>{t.apiKind}</td>
                <td>{t.pool}</td>
                <td>{t.hasApiKey ? 'stored' : <span className="muted">none</span>}</td>
                <td>{formatDateTime(t.createdAt)}</td>
                <td>
                  <button
                    type="button"
                    className="btn btn-danger btn-small"
                    disabled={remove.isPending && remove.variables === t.id}
                    onClick={() => {
                      if (
                        window.confirm(
                          `Delete target “${t.name}”? Experiments that use it will no longer run.`,
                        )
                      )
                        remove.mutate(t.id);
                    }}
                  >
                    Delete
                  </button>
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      </div>
    </>
  );
}

interface TargetDraft {
  name: string;
  baseUrl: string;
  apiKind: 'chat' | 'completions';
  model: string;
  pool: string;
  apiKey: string;
  metricsUrl: string;
  headers: string;
  connection: 'keep-alive' | 'close';
  /** `auto`: nothing stored (the agent's default, which is auto); `path`: {@link tokenizerPath} */
  tokenizer: 'auto' | 'o200k_base' | 'cl100k_base' | 'path';
  tokenizerPath: string;
}

const EMPTY_DRAFT: TargetDraft = {
  name: '',
  baseUrl: '',
  apiKind: 'chat',
  model: '',
  pool: 'default',
  apiKey: '',
  metricsUrl: '',
  headers: '',
  connection: 'keep-alive',
  tokenizer: 'auto',
  tokenizerPath: '',
};

/** "Name: value" lines → header record; a line without a colon is reported as a field error. */
function parseHeaders(text: string): { headers: Record<string, string>; error?: string } {
  const headers: Record<string, string> = {};
  for (const [i, line] of text.split('\n').entries()) {
    if (!line.trim()) continue;
    const idx = line.indexOf(':');
    if (idx <= 0) return { headers, error: `line ${i + 1}: write headers as "Name: value"` };
    headers[line.slice(0, idx).trim()] = line.slice(idx + 1).trim();
  }
  return { headers };
}

function CreateTargetForm({ onDone }: { onDone: () => void }) {
  const queryClient = useQueryClient();
  const [draft, setDraft] = useState<TargetDraft>(EMPTY_DRAFT);
  const [errors, setErrors] = useState<Record<string, string>>({});
  const create = useMutation({
    mutationFn: (body: Parameters<ReturnType<typeof getApi>['createTarget']>[0]) =>
      getApi().createTarget(body),
    onSuccess: async () => {
      await queryClient.invalidateQueries({ queryKey: targetKeys.all });
      setDraft(EMPTY_DRAFT);
      onDone();
    },
    onError: (err) => setErrors(fieldErrorsFromApi(err)),
  });
  const set = (k: keyof TargetDraft) => (e: { target: { value: string } }) =>
    setDraft((d) => ({ ...d, [k]: e.target.value }));

  const submit = (e: FormEvent) => {
    e.preventDefault();
    const { headers, error: headerError } = parseHeaders(draft.headers);
    const body = {
      name: draft.name,
      baseUrl: draft.baseUrl.trim(),
      apiKind: draft.apiKind,
      model: draft.model,
      pool: draft.pool.trim(),
      headers,
      ...(draft.apiKey ? { apiKey: draft.apiKey } : {}),
      ...(draft.metricsUrl.trim() ? { metricsUrl: draft.metricsUrl.trim() } : {}),
      ...(draft.connection === 'close' ? { connection: draft.connection } : {}),
      ...(draft.tokenizer === 'path'
        ? { tokenizer: { path: draft.tokenizerPath.trim() } }
        : draft.tokenizer !== 'auto'
          ? { tokenizer: draft.tokenizer }
          : {}),
    };
    const parsed = CreateTargetRequestSchema.safeParse(body);
    const next = parsed.success ? {} : fieldErrorsFromIssues(parsed.error);
    if (headerError) next.headers = headerError;
    // a union's issue names `tokenizer`; the message belongs under the path input
    const tokenizerError = next['tokenizer.path'] ?? next.tokenizer;
    delete next['tokenizer.path'];
    delete next.tokenizer;
    if (draft.tokenizer === 'path' && !draft.tokenizerPath.trim())
      next.tokenizerPath = 'give the path of a tokenizer.json on the machine of the agents';
    else if (tokenizerError) next.tokenizerPath = tokenizerError;
    setErrors(next);
    if (Object.keys(next).length) return;
    create.mutate(body);
  };

  const shown = new Set([
    'name',
    'baseUrl',
    'apiKind',
    'model',
    'pool',
    'apiKey',
    'metricsUrl',
    'headers',
    'connection',
    'tokenizer',
    'tokenizer.path',
    'tokenizerPath',
  ]);
  return (
    <form
      className="panel form"
      onSubmit={submit}
      noValidate
      aria-label="New target"
      style={{ marginBottom: '1rem' }}
    >
      <h2 style={{ margin: 0 }}>New target</h2>
      <div className="form-row">
        <Field label="Name" htmlFor="t-name" error={errors.name}>
          <input
            id="t-name"
            type="text"
            value={draft.name}
            onChange={set('name')}
            placeholder="vllm-h100-a"
          />
        </Field>
        <Field
          label="Base URL"
          htmlFor="t-baseUrl"
          error={errors.baseUrl}
          hint="Up to and including /v1 if the server needs it"
        >
          <input
            id="t-baseUrl"
            type="url"
            value={draft.baseUrl}
            onChange={set('baseUrl')}
            placeholder="http://10.0.0.5:8000"
          />
        </Field>
        <Field label="Model" htmlFor="t-model" error={errors.model}>
          <input
            id="t-model"
            type="text"
            value={draft.model}
            onChange={set('model')}
            placeholder="meta-llama/Llama-3.1-8B-Instruct"
          />
        </Field>
      </div>
      <div className="form-row">
        <Field label="API" htmlFor="t-apiKind" error={errors.apiKind}>
          <select id="t-apiKind" value={draft.apiKind} onChange={set('apiKind')}>
            <option value="chat">chat (/v1/chat/completions)</option>
            <option value="completions">completions (/v1/completions)</option>
          </select>
        </Field>
        <Field
          label="Connections"
          htmlFor="t-connection"
          error={errors.connection}
          hint="One per request for servers that close connections after responses"
        >
          <select id="t-connection" value={draft.connection} onChange={set('connection')}>
            <option value="keep-alive">keep-alive (reuse)</option>
            <option value="close">close (one per request)</option>
          </select>
        </Field>
        <Field
          label="Agent pool"
          htmlFor="t-pool"
          error={errors.pool}
          hint="Agents of this pool run its load (co-locate them with the server)"
        >
          <input id="t-pool" type="text" value={draft.pool} onChange={set('pool')} />
        </Field>
        <Field
          label="API key"
          htmlFor="t-apiKey"
          error={errors.apiKey}
          hint="Write-only: stored encrypted, never shown again"
        >
          <input
            id="t-apiKey"
            type="password"
            autoComplete="new-password"
            value={draft.apiKey}
            onChange={set('apiKey')}
          />
        </Field>
      </div>
      <div className="form-row">
        <Field label="Prometheus metrics URL (optional)" htmlFor="t-metricsUrl" error={errors.metricsUrl}>
          <input
            id="t-metricsUrl"
            type="url"
            value={draft.metricsUrl}
            onChange={set('metricsUrl')}
            placeholder="http://10.0.0.5:8000/metrics"
          />
        </Field>
        <Field
          label="Extra headers (optional)"
          htmlFor="t-headers"
          error={errors.headers}
          hint="One per line: Name: value"
        >
          <textarea id="t-headers" value={draft.headers} onChange={set('headers')} rows={2} />
        </Field>
      </div>
      <div className="form-row">
        <Field
          label="Tokenizer"
          htmlFor="t-tokenizer"
          error={errors.tokenizer}
          hint="Builds prompts of exact token counts and counts tokens client-side; auto asks the server's /tokenize first"
        >
          <select id="t-tokenizer" value={draft.tokenizer} onChange={set('tokenizer')}>
            <option value="auto">
              auto (server /tokenize, else a local tokenizer.json, else o200k_base)
            </option>
            <option value="o200k_base">o200k_base</option>
            <option value="cl100k_base">cl100k_base</option>
            <option value="path">tokenizer.json file…</option>
          </select>
        </Field>
        {draft.tokenizer === 'path' ? (
          <Field
            label="tokenizer.json path"
            htmlFor="t-tokenizerPath"
            error={errors.tokenizerPath ?? errors['tokenizer.path']}
            hint="A Hugging Face tokenizer.json on the machine of the agents"
          >
            <input
              id="t-tokenizerPath"
              type="text"
              value={draft.tokenizerPath}
              onChange={set('tokenizerPath')}
              placeholder="/models/Llama-3.1-8B-Instruct/tokenizer.json"
            />
          </Field>
        ) : null}
      </div>
      {leftoverErrors(errors, shown).map(([path, msg]) => (
        <p key={path} className="field-error">
          {path}: {msg}
        </p>
      ))}
      {create.isError && !Object.keys(fieldErrorsFromApi(create.error)).length ? (
        <ErrorState error={create.error} title="The target was not saved" />
      ) : null}
      <div className="actions" style={{ display: 'flex', gap: '0.5rem' }}>
        <button type="submit" className="btn btn-primary" disabled={create.isPending}>
          {create.isPending ? 'Saving…' : 'Save target'}
        </button>
        <button type="button" className="btn" onClick={onDone}>
          Cancel
        </button>
      </div>
    </form>
  );
}
