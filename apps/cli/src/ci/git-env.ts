import { createHash } from 'node:crypto';

type Env = Record<string, string | undefined>;

/** What the CI environment says about the build: recorded as run metadata (`gitSha`, `gitBranch`, `ciUrl`, `ciProvider`). */
export interface CiContext {
  provider: string | null;
  sha: string | null;
  branch: string | null;
  url: string | null;
  /** stable across retries of the same pipeline job (not per attempt): the default idempotency key's base */
  runKey: string | null;
}

/**
 * Read the usual variables of GitHub Actions, GitLab CI, Buildkite, CircleCI, Jenkins and Azure Pipelines
 * (and plain `GIT_COMMIT`/`GIT_BRANCH`).
 */
export function ciContext(env: Env): CiContext {
  const pick = (...names: string[]): string | null => {
    for (const n of names) if (env[n]) return env[n]!;
    return null;
  };
  if (env.GITHUB_ACTIONS || env.GITHUB_RUN_ID) {
    const server = env.GITHUB_SERVER_URL ?? 'https://github.com';
    const url =
      env.GITHUB_REPOSITORY && env.GITHUB_RUN_ID
        ? `${server}/${env.GITHUB_REPOSITORY}/actions/runs/${env.GITHUB_RUN_ID}`
        : null;
    return {
      provider: 'github',
      sha: pick('GITHUB_SHA'),
      branch: pick('GITHUB_HEAD_REF', 'GITHUB_REF_NAME'),
      url,
      runKey: env.GITHUB_RUN_ID
        ? `github:${env.GITHUB_REPOSITORY ?? ''}:${env.GITHUB_RUN_ID}:${env.GITHUB_JOB ?? ''}`
        : null,
    };
  }
  if (env.GITLAB_CI || env.CI_PIPELINE_ID) {
    return {
      provider: 'gitlab',
      sha: pick('CI_COMMIT_SHA'),
      branch: pick('CI_COMMIT_REF_NAME', 'CI_MERGE_REQUEST_SOURCE_BRANCH_NAME'),
      url: pick('CI_JOB_URL', 'CI_PIPELINE_URL'),
      // a retried GitLab job gets a new CI_JOB_ID but keeps the pipeline and the job name
      runKey: env.CI_PIPELINE_ID
        ? `gitlab:${env.CI_PROJECT_PATH ?? ''}:${env.CI_PIPELINE_ID}:${env.CI_JOB_NAME ?? ''}`
        : null,
    };
  }
  if (env.BUILDKITE) {
    return {
      provider: 'buildkite',
      sha: pick('BUILDKITE_COMMIT'),
      branch: pick('BUILDKITE_BRANCH'),
      url: pick('BUILDKITE_BUILD_URL'),
      runKey: env.BUILDKITE_BUILD_ID
        ? `buildkite:${env.BUILDKITE_BUILD_ID}:${env.BUILDKITE_STEP_KEY ?? ''}`
        : null,
    };
  }
  if (env.CIRCLECI) {
    return {
      provider: 'circleci',
      sha: pick('CIRCLE_SHA1'),
      branch: pick('CIRCLE_BRANCH'),
      url: pick('CIRCLE_BUILD_URL'),
      runKey: env.CIRCLE_WORKFLOW_ID ? `circleci:${env.CIRCLE_WORKFLOW_ID}:${env.CIRCLE_JOB ?? ''}` : null,
    };
  }
  if (env.JENKINS_URL) {
    return {
      provider: 'jenkins',
      sha: pick('GIT_COMMIT'),
      branch: pick('BRANCH_NAME', 'GIT_BRANCH'),
      url: pick('BUILD_URL'),
      runKey: env.BUILD_TAG ? `jenkins:${env.BUILD_TAG}` : null,
    };
  }
  if (env.TF_BUILD) {
    return {
      provider: 'azure',
      sha: pick('BUILD_SOURCEVERSION'),
      branch: pick('BUILD_SOURCEBRANCHNAME'),
      url:
        env.SYSTEM_COLLECTIONURI && env.SYSTEM_TEAMPROJECT && env.BUILD_BUILDID
          ? `${env.SYSTEM_COLLECTIONURI}${env.SYSTEM_TEAMPROJECT}/_build/results?buildId=${env.BUILD_BUILDID}`
          : null,
      runKey: env.BUILD_BUILDID ? `azure:${env.BUILD_BUILDID}:${env.SYSTEM_JOBNAME ?? ''}` : null,
    };
  }
  return {
    provider: null,
    sha: pick('GIT_COMMIT', 'COMMIT_SHA'),
    branch: pick('GIT_BRANCH', 'BRANCH_NAME'),
    url: pick('BUILD_URL'),
    runKey: null,
  };
}

/** Run metadata from the CI context (only what is known). */
export function ciMetadata(c: CiContext): Record<string, string> {
  const out: Record<string, string> = {};
  if (c.sha) out.gitSha = c.sha;
  if (c.branch) out.gitBranch = c.branch;
  if (c.url) out.ciUrl = c.url;
  if (c.provider) out.ciProvider = c.provider;
  return out;
}

/**
 * Default idempotency key: the CI job (stable across its retries) + the file's hash, so re-running a failed step
 * follows the run it already started, and a changed file starts a new one. None outside CI.
 */
export function defaultIdempotencyKey(c: CiContext, fileSha256: string): string | undefined {
  if (!c.runKey) return undefined;
  return `ci-${createHash('sha256').update(`${c.runKey}\n${fileSha256}`).digest('hex').slice(0, 40)}`;
}
