import type { ReactNode } from 'react';
import classes from './disclosure.module.css';

/** Extra detail behind a native, keyboard-ready <details> toggle. */
export function Disclosure({ summary, children }: { summary: string; children: ReactNode }) {
  return (
    <details className={classes.details}>
      <summary className={classes.summary}>{summary}</summary>
      {children}
    </details>
  );
}
