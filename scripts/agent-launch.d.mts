// Types of scripts/agent-launch.mjs for the tests that import it.
export function agentFlagsOfBundle(file: string): string[];
export function desktopUnit(unit: string, electronFlags: readonly string[]): string;
