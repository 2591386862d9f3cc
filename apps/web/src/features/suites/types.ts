/**
 * The built-in eval suites as the dashboard shows them (`GET /suite-catalog`, a Route Handler of this app that reads
 * them with `@inferbench/evals` on the server). Plain data, safe to import from client components.
 */
export interface SuiteTaskInfo {
  id: string;
  description: string | null;
  /** `builtin:<name>` or a path the agent reads */
  datasetSource: string;
  /** items the task scores (after `limit`); null when the dataset could not be read here */
  items: number | null;
  /** generate | next_token | loglikelihood | assert | judge */
  scoringMode: string;
  /** how the answer is read, in words (e.g. `option_letter (first)`), or the mode's own reading */
  reading: string;
  metrics: string[];
  fewShot: string;
  circular: boolean;
  repeats: number;
  /** `taskVersionHash`: every setting that can change a prediction or a score */
  versionHash: string;
}

export interface SuiteInfo {
  /** built-in name used in experiments (`mini`) */
  name: string;
  /** the suite file's own `name` (`inferbench-mini`) */
  title: string;
  description: string | null;
  version: string | null;
  /** the suite file, as shipped */
  yaml: string;
  tasks: SuiteTaskInfo[];
}

export interface SuiteCatalog {
  suites: SuiteInfo[];
  /** suites that could not be read, with the reason */
  errors: { name: string; error: string }[];
}
