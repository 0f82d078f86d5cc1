/** The fake DMI folders (test/fakes/dmi.ts) with their clean-up tied to vitest's test lifecycle. */
import { afterEach } from 'vitest';
import { presentDmi, type DmiPresentation, type FakeDmi } from '../fakes/dmi.js';

/** presentDmi for the tests of one file: every folder it makes is removed after each test. */
export function dmiPerTest(): (kind: DmiPresentation, extra?: Record<string, string>) => FakeDmi {
  const made: FakeDmi[] = [];
  afterEach(() => {
    while (made.length) made.pop()!.remove();
  });
  return (kind, extra) => {
    const d = presentDmi(kind, extra);
    made.push(d);
    return d;
  };
}
