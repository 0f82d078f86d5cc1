/**
 * Keeps the tray in step with the agent: icon, tooltip and context menu from trayView(),
 * touching Electron only when something visible changed (menu rebuilds flicker on
 * some Linux panels, and the tooltip ticks every second during a countdown).
 */
import path from 'node:path';
import type { MenuItemConstructorOptions } from 'electron';
import type { Status } from '../contract/protocol.js';
import type { ConnectionState } from '../contract/ipc.js';
import { trayView, type MenuSpec, type TrayAction, type TrayIcon, type TrayViewOptions } from './tray-view.js';

export type PanelVariant = 'light' | 'dark';

/** Pixel size of the tray image per platform; the @2x file beside it serves HiDPI panels. */
export function traySize(platform: NodeJS.Platform): number {
  if (platform === 'linux') return 22;
  return 16;
}

/**
 * Most Linux panels are dark whatever the application theme says, so Linux defaults to
 * the dark-panel artwork; CLOUDSNOOZE_TRAY_VARIANT overrides it.
 */
export function panelVariant(platform: NodeJS.Platform, prefersDark: boolean, env: NodeJS.ProcessEnv): PanelVariant {
  const forced = env.CLOUDSNOOZE_TRAY_VARIANT;
  if (forced === 'light' || forced === 'dark') return forced;
  if (platform === 'linux') return 'dark';
  return prefersDark ? 'dark' : 'light';
}

export function trayIconPath(assetsDir: string, icon: TrayIcon, variant: PanelVariant, size: number): string {
  return path.join(assetsDir, 'tray', `${icon}-${variant}-${size}.png`);
}

/** MenuSpec → Electron menu template; clicks go to one dispatcher. */
export function menuTemplate(spec: MenuSpec[], dispatch: (action: TrayAction) => void): MenuItemConstructorOptions[] {
  return spec.map((m): MenuItemConstructorOptions => {
    switch (m.kind) {
      case 'label':
        return { label: m.label, enabled: false };
      case 'separator':
        return { type: 'separator' };
      case 'item':
        return { label: m.label, enabled: m.enabled, click: () => dispatch(m.action) };
      case 'checkbox':
        return { label: m.label, type: 'checkbox', checked: m.checked, click: () => dispatch(m.action) };
      case 'submenu':
        return { label: m.label, enabled: m.enabled, submenu: menuTemplate(m.items, dispatch) };
    }
  });
}

export interface TrayLike {
  setImage(iconPath: string): void;
  setToolTip(text: string): void;
  setContextMenu(template: MenuItemConstructorOptions[]): void;
  onClick(cb: () => void): void;
  destroy(): void;
}

export interface TrayControllerDeps {
  createTray(iconPath: string): TrayLike;
  iconPath(icon: TrayIcon): string;
  dispatch(action: TrayAction): void;
  /** Left click: Linux panels often swallow it, hence the always-present menu. */
  onClick(): void;
  now?: () => number;
  /** Linux: tooltip at most once a minute (see TOOLTIP_MIN_INTERVAL_MS). */
  platform?: NodeJS.Platform;
}

/**
 * On Linux a tooltip change re-sends the whole StatusNotifierItem menu over D-Bus, which
 * refreshes a menu the user has open: a changed tooltip waits until a minute after the
 * last one, unless the state itself (the icon) changed.
 */
export const TOOLTIP_MIN_INTERVAL_MS = 60_000;

export class TrayController {
  private tray: TrayLike | null = null;
  private status: Status | null = null;
  private connection: ConnectionState = { online: false, error: 'connecting' };
  private opts: Omit<TrayViewOptions, 'now'> = {};
  private shown = { icon: '', tooltip: '', menu: '' };
  private ticker: NodeJS.Timeout | null = null;
  private tooltipAt = -Infinity;
  private tooltipTimer: NodeJS.Timeout | null = null;

  constructor(private readonly deps: TrayControllerDeps) {}

  start(): void {
    const view = this.view();
    this.tray = this.deps.createTray(this.deps.iconPath(view.icon));
    this.tray.onClick(() => this.deps.onClick());
    this.shown.icon = view.icon;
    this.apply();
  }

  update(patch: { status?: Status | null; connection?: ConnectionState; openAtLogin?: boolean; agentFailure?: string | null }): void {
    if (patch.status !== undefined) this.status = patch.status;
    if (patch.connection !== undefined) this.connection = patch.connection;
    if (patch.openAtLogin !== undefined) this.opts.openAtLogin = patch.openAtLogin;
    if (patch.agentFailure !== undefined) this.opts.agentFailure = patch.agentFailure;
    this.apply();
  }

  stop(): void {
    if (this.ticker) clearInterval(this.ticker);
    this.ticker = null;
    if (this.tooltipTimer) clearTimeout(this.tooltipTimer);
    this.tooltipTimer = null;
    this.tray?.destroy();
    this.tray = null;
  }

  private view() {
    return trayView(this.status, this.connection, { ...this.opts, now: this.now(), coarseTooltip: this.deps.platform === 'linux' });
  }

  private now(): number {
    return (this.deps.now ?? Date.now)();
  }

  private apply(): void {
    const tray = this.tray;
    if (!tray) return;
    const view = this.view();
    const iconChanged = view.icon !== this.shown.icon;
    if (iconChanged) {
      tray.setImage(this.deps.iconPath(view.icon));
      this.shown.icon = view.icon;
    }
    if (view.tooltip !== this.shown.tooltip) {
      const now = this.now();
      const wait = this.deps.platform === 'linux' && !iconChanged ? this.tooltipAt + TOOLTIP_MIN_INTERVAL_MS - now : 0;
      if (wait <= 0) {
        tray.setToolTip(view.tooltip);
        this.shown.tooltip = view.tooltip;
        this.tooltipAt = now;
        if (this.tooltipTimer) clearTimeout(this.tooltipTimer);
        this.tooltipTimer = null;
      } else if (!this.tooltipTimer) {
        this.tooltipTimer = setTimeout(() => {
          this.tooltipTimer = null;
          this.apply();
        }, wait);
        this.tooltipTimer.unref();
      }
    }
    const menuKey = JSON.stringify(view.menu);
    if (menuKey !== this.shown.menu) {
      tray.setContextMenu(menuTemplate(view.menu, this.deps.dispatch));
      this.shown.menu = menuKey;
    }
    const counting = this.connection.online && this.status?.stop_at != null;
    if (counting && !this.ticker) {
      this.ticker = setInterval(() => this.apply(), 1000);
      this.ticker.unref();
    } else if (!counting && this.ticker) {
      clearInterval(this.ticker);
      this.ticker = null;
    }
  }
}
