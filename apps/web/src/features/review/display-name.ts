'use client';
import { useCallback, useSyncExternalStore } from 'react';

/** localStorage key of the reviewer's display name (the comment author until accounts exist). */
export const DISPLAY_NAME_KEY = 'inferbench.displayName';
const EVENT = 'inferbench:display-name';

function subscribe(cb: () => void): () => void {
  window.addEventListener(EVENT, cb);
  window.addEventListener('storage', cb);
  return () => {
    window.removeEventListener(EVENT, cb);
    window.removeEventListener('storage', cb);
  };
}

/** The display name set once in this browser ('' until set; '' during server render). */
export function useDisplayName(): [string, (name: string) => void] {
  const name = useSyncExternalStore(
    subscribe,
    () => window.localStorage.getItem(DISPLAY_NAME_KEY) ?? '',
    () => '',
  );
  const set = useCallback((next: string) => {
    window.localStorage.setItem(DISPLAY_NAME_KEY, next.trim());
    window.dispatchEvent(new Event(EVENT));
  }, []);
  return [name, set];
}
