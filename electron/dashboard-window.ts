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
  };
}

export interface DashboardWindowDeps {
  create(): WindowLike;
  url: string;
  /** True once the app is quitting: then close really closes. */
  isQuitting(): boolean;
  /** No tray to bring a hidden window back: close minimizes instead (see launch.ts). */
  closeMinimizes?: boolean;
  onLoadError?: (err: Error) => void;
}

export class DashboardWindow {
  private win: WindowLike | null = null;

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
