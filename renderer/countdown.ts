/** The countdown to the stop, ticking every second between status frames. */
import { useEffect, useState } from 'react';
import type { Status } from '../contract/protocol.js';

/** Local epoch ms of the stop: from seconds_until_stop at arrival, so a skewed browser clock (SSH tunnel) does not matter. */
export function deadlineOf(status: Status | null, receivedAt: number): number | null {
  if (!status) return null;
  if (status.seconds_until_stop !== null) return receivedAt + status.seconds_until_stop * 1000;
  if (status.stop_at) return Date.parse(status.stop_at);
  return null;
}

/** Seconds left, re-rendered once a second between frames. */
export function useCountdown(deadline: number | null): number | null {
  const [now, setNow] = useState(() => Date.now());
  useEffect(() => {
    if (deadline === null) return;
    setNow(Date.now());
    const id = window.setInterval(() => setNow(Date.now()), 1000);
    return () => window.clearInterval(id);
  }, [deadline]);
  return deadline === null ? null : Math.max(0, (deadline - now) / 1000);
}
