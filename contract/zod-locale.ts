/**
 * zod/mini ships without messages; the full `zod` sets its English locale on import.
 * The contract's schemas need the same sentences whichever build is loaded (tests and
 * clients read them), so this sets it once. zod's config is global: the full build, where
 * something still loads it, sets the same locale.
 */
import { config } from 'zod/mini';
import en from 'zod/v4/locales/en.js';

config(en());
