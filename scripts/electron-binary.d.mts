// Types for electron-binary.mjs (used by the unit and smoke tests).
export interface Found {
  path: string | null;
  why: string;
}
export function isElfFile(file: string): boolean;
export function findElectron(o?: { env?: NodeJS.ProcessEnv; resolveElectron?: () => unknown; exists?: (p: string) => boolean; isBinary?: (p: string) => boolean }): Found;
export function findUnpackedApp(root: string, o?: { exists?: (p: string) => boolean; isBinary?: (p: string) => boolean }): Found;
export function electronLaunch(electron: string, root: string, env?: NodeJS.ProcessEnv): { command: string; args: string[]; env: NodeJS.ProcessEnv };
