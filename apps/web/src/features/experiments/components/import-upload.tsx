'use client';
import { SourceToolSchema, type SourceToolName } from '@inferbench/contracts';
import { useMutation, useQueryClient } from '@tanstack/react-query';
import { useRouter } from 'next/navigation';
import { useState } from 'react';
import { ErrorState } from '../../../components/states';
import { getApi } from '../../../lib/api';
import { runKeys } from '../../runs/queries';
import { experimentKeys } from '../queries';

/**
 * Upload another tool's result file (vLLM, GuideLLM, AIPerf, inference-perf, k6) as a completed run of this
 * experiment; on success the new run opens. A file the API cannot read is answered with the tool it was read
 * as and the field at fault.
 */
export function ImportUpload({ experimentId }: { experimentId: string }) {
  const [file, setFile] = useState<File | null>(null);
  const [variant, setVariant] = useState('');
  const [tool, setTool] = useState<'' | SourceToolName>('');
  const queryClient = useQueryClient();
  const router = useRouter();
  const upload = useMutation({
    mutationFn: async () => {
      if (!file) throw new Error('choose a file first');
      return getApi().importFile({
        experimentId,
        fileName: file.name,
        content: await file.text(),
        ...(variant.trim() ? { variantLabel: variant.trim() } : {}),
        ...(tool ? { tool } : {}),
      });
    },
    onSuccess: async (run) => {
      queryClient.setQueryData(runKeys.detail(run.id), run);
      await queryClient.invalidateQueries({ queryKey: experimentKeys.all });
      router.push(`/runs/${run.id}`);
    },
  });
  return (
    <details className="panel" data-testid="import-upload">
      <summary>Import results from another tool</summary>
      <form
        className="toolbar"
        onSubmit={(e) => {
          e.preventDefault();
          upload.mutate();
        }}
      >
        <label className="small" htmlFor="import-file">
          Result file
        </label>
        <input
          id="import-file"
          type="file"
          accept=".json,.jsonl,.yaml,.yml,.csv"
          onChange={(e) => setFile(e.target.files?.[0] ?? null)}
        />
        <label className="small" htmlFor="import-variant">
          Variant
        </label>
        <input
          id="import-variant"
          placeholder="default: the tool's name"
          value={variant}
          onChange={(e) => setVariant(e.target.value)}
        />
        <label className="small" htmlFor="import-tool">
          Tool
        </label>
        <select
          id="import-tool"
          value={tool}
          onChange={(e) => setTool(e.target.value as '' | SourceToolName)}
        >
          <option value="">detect</option>
          {SourceToolSchema.options.map((t) => (
            <option key={t} value={t}>
              {t}
            </option>
          ))}
        </select>
        <button type="submit" className="btn btn-primary" disabled={!file || upload.isPending}>
          {upload.isPending ? 'Importing…' : 'Import'}
        </button>
      </form>
      <p className="small muted">
        vLLM (benchmark_serving / bench serve, with or without --save-detailed), GuideLLM, AIPerf,
        inference-perf and k6 summaries. The file is kept and can be downloaded from the run page.
      </p>
      {upload.isError ? <ErrorState error={upload.error} title="The file was not imported" /> : null}
    </details>
  );
}
