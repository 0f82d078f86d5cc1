/**
 * The one dashboard window: shown at start unless started --hidden (launch.ts), shown from the tray, hidden
 * (not destroyed) on close so the app lives on in the tray, told which view to show
 * through 'push:navigate'.
 */
import type { PushChannel, PushChannels } from '../contract/ipc.js';

export type View = PushChannels['push:navigate'];

export interface WindowLike {
  show(): void;
  hide(): void;
  minimize(): void;
  focus(): void;
  isDestroyed(): boolean;
  isMinimized(): boolean;
  restore(): void;
  loadURL(url: string): Promise<void>;
  on(event: 'close', listener: (e: { preventDefault(): void }) => void): unknown;
  webContents: {
    send(channel: string, payload: unknown): void;
    isLoading(): boolean;
    once(event: 'did-finish-load', listener: () => void): unknown;
    on(event: 'render-process-gone', listener: (e: unknown, details: { reason: string; exitCode?: number }) => void): unknown;
    reload(): void;
  };
}

/** A renderer that dies this many times within RENDERER_CRASH_WINDOW_MS is not reloaded again until the window is next opened. */
export const MAX_RENDERER_RELOADS = 3;
export const RENDERER_CRASH_WINDOW_MS = 60_000;

export interface DashboardWindowDeps {
  create(): WindowLike;
  url: string;
  /** True once the app is quitting: then close really closes. */
  isQuitting(): boolean;
  /** No tray to bring a hidden window back: close minimizes instead (see launch.ts). */
  closeMinimizes?: boolean;
  onLoadError?: (err: Error) => void;
  /** The page's renderer process died (crash, OOM, killed): said once per death, with whether it was reloaded. */
  onRendererGone?: (details: { reason: string; exitCode?: number }, reloaded: boolean) => void;
  now?: () => number;
}

export class DashboardWindow {
  private win: WindowLike | null = null;
  private crashes: number[] = [];
  /** The renderer died too often: the next show() loads the page afresh instead of showing a dead one. */
  private deadPage = false;

  constructor(private readonly d: DashboardWindowDeps) {}

  private ensure(): WindowLike {
    if (this.win && !this.win.isDestroyed()) return this.win;
    const win = this.d.create();
    win.on('close', (e) => {
      if (this.d.isQuitting()) return;
      e.preventDefault();
      if (this.d.closeMinimizes) win.minimize();
      else win.hide();
    });
    // A dead renderer leaves a blank window that Open dashboard would show forever: reload it,
    // unless it keeps dying (then the next Open tries once more, instead of a reload loop).
    win.webContents.on('render-process-gone', (_e, details) => {
      if (details.reason === 'clean-exit') return;
      const now = (this.d.now ?? Date.now)();
      this.crashes = [...this.crashes.filter((t) => now - t < RENDERER_CRASH_WINDOW_MS), now];
      const reload = this.crashes.length <= MAX_RENDERER_RELOADS;
      this.deadPage = !reload;
      this.d.onRendererGone?.(details, reload);
      if (reload) win.webContents.reload();
    });
    win.loadURL(this.d.url).catch((err: Error) => this.d.onLoadError?.(err));
    this.win = win;
    return win;
  }

  /** Creates the window hidden, so the first "Open dashboard" is instant. */
  preload(): void {
    this.ensure();
  }

  show(view?: View): void {
    const win = this.ensure();
    if (this.deadPage) {
      this.deadPage = false;
      this.crashes = [];
      win.webContents.reload();
    }
    if (win.isMinimized()) win.restore();
    win.show();
    win.focus();
    if (view) {
      if (win.webContents.isLoading()) win.webContents.once('did-finish-load', () => this.send('push:navigate', view));
      else this.send('push:navigate', view);
    }
  }

  send<C extends PushChannel>(channel: C, payload: PushChannels[C]): void {
    const win = this.win;
    if (!win || win.isDestroyed()) return;
    win.webContents.send(channel, payload);
  }
}
