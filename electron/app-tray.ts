/**
 * The tray icon as Electron draws it: Electron's Tray, nativeImage and Menu behind the
 * TrayLike that tray.ts keeps in step, with the artwork for this panel. tray.ts stays
 * Electron-free and unit-tested; this is the thin part only a real desktop runs.
 */
import type { ElectronModule } from './electron-module.js';
import { panelVariant, TrayController, trayIconPath, traySize } from './tray.js';
import type { TrayAction } from './tray-view.js';

export interface AppTrayOptions {
  platform: NodeJS.Platform;
  env: NodeJS.ProcessEnv;
  assetsDir: string;
  dispatch(action: TrayAction): void;
  /** Left click on the icon. */
  onClick(): void;
}

export function appTray(e: ElectronModule, o: AppTrayOptions): TrayController {
  return new TrayController({
    platform: o.platform,
    createTray: (iconPath) => {
      const t = new e.Tray(e.nativeImage.createFromPath(iconPath));
      return {
        setImage: (p) => t.setImage(e.nativeImage.createFromPath(p)),
        setToolTip: (s) => t.setToolTip(s),
        setContextMenu: (tpl) => t.setContextMenu(e.Menu.buildFromTemplate(tpl)),
        onClick: (cb) => void t.on('click', cb),
        destroy: () => t.destroy(),
      };
    },
    iconPath: (icon) => trayIconPath(o.assetsDir, icon, panelVariant(o.platform, e.nativeTheme.shouldUseDarkColors, o.env), traySize(o.platform)),
    dispatch: o.dispatch,
    onClick: o.onClick,
  });
}
