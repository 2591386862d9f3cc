'use client';
import { useSuspenseQuery } from '@tanstack/react-query';
import { experimentDetailOptions } from '../queries';
import { NewExperimentForm } from './new-experiment-form';

/** The experiment form filled with a stored experiment; saving PATCHes it. */
export function EditExperiment({ id }: { id: string }) {
  const { data } = useSuspenseQuery(experimentDetailOptions(id));
  // keyed by updatedAt: a save that changes the experiment starts the form from the stored state again
  return <NewExperimentForm key={data.updatedAt} experiment={data} />;
}
