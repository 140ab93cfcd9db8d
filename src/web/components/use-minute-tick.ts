import { useEffect, useState } from 'react';

/** Re-renders the caller every minute, so relative times and ages stay true while a page is open. */
export function useMinuteTick(): number {
  const [now, setNow] = useState(() => Date.now());
  useEffect(() => {
    const timer = window.setInterval(() => setNow(Date.now()), 60_000);
    return () => window.clearInterval(timer);
  }, []);
  return now;
}
