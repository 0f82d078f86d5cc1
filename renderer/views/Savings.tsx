/** "Saved ≈ $41 this month" under the instance card (STATUS `savings`; text in contract/savings-text.ts). */
import { savedDetail, savedText } from '../../contract/savings-text.js';
import { useRenderer } from '../context.js';

export function SavedLine() {
  const savings = useRenderer((s) => s.policy.status?.savings ?? null);
  const text = savedText(savings);
  if (!text || !savings) return null;
  return (
    <p className="saved" data-testid="savings" title={savedDetail(savings)}>
      {text}
    </p>
  );
}
