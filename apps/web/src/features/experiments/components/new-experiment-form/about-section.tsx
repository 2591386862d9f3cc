import { Field } from '../../../../components/field';
import { errorAt, type SectionProps } from './section-props';

/** Name, tags and description. */
export function AboutSection({ draft, errors, set }: SectionProps) {
  return (
    <fieldset>
      <legend>About</legend>
      <div className="form-row">
        <Field label="Name" htmlFor="e-name" error={errors.name}>
          <input
            id="e-name"
            type="text"
            value={draft.name}
            onChange={(e) => set('name', e.target.value)}
            placeholder="Llama 3.1 8B: fp8 vs bf16"
          />
        </Field>
        <Field label="Tags" htmlFor="e-tags" error={errorAt(errors, 'tags')} hint="Comma-separated">
          <input
            id="e-tags"
            type="text"
            value={draft.tags}
            onChange={(e) => set('tags', e.target.value)}
            placeholder="llama, quantization"
          />
        </Field>
      </div>
      <Field label="Description" htmlFor="e-description" error={errors.description}>
        <textarea
          id="e-description"
          value={draft.description}
          onChange={(e) => set('description', e.target.value)}
          rows={2}
        />
      </Field>
    </fieldset>
  );
}
