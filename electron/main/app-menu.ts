import type { MenuItemConstructorOptions } from 'electron';

/**
 * The application menu. Electron's default menu offers Reload and Toggle Developer Tools, and
 * code typed into DevTools runs as the trusted page (it passes the IPC sender gate). This one
 * keeps only editing, window and quit entries. Type-only import: plain Node, tested in Node.
 */
export function appMenuTemplate(platform: NodeJS.Platform, productName: string): MenuItemConstructorOptions[] {
  const edit: MenuItemConstructorOptions = {
    label: 'Edit',
    submenu: [{ role: 'undo' }, { role: 'redo' }, { type: 'separator' }, { role: 'cut' }, { role: 'copy' }, { role: 'paste' }, { role: 'selectAll' }],
  };
  const view: MenuItemConstructorOptions = {
    label: 'View',
    submenu: [{ role: 'resetZoom' }, { role: 'zoomIn' }, { role: 'zoomOut' }, { type: 'separator' }, { role: 'togglefullscreen' }],
  };
  if (platform === 'darwin') {
    return [
      {
        label: productName,
        submenu: [{ role: 'about' }, { type: 'separator' }, { role: 'hide' }, { role: 'hideOthers' }, { role: 'unhide' }, { type: 'separator' }, { role: 'quit' }],
      },
      edit,
      view,
      { label: 'Window', submenu: [{ role: 'minimize' }, { role: 'zoom' }, { role: 'close' }] },
    ];
  }
  return [{ label: 'File', submenu: [{ role: 'close' }, { role: 'quit' }] }, edit, view];
}

/** Roles that must never be in the menu: they reload the page or open DevTools. */
export const FORBIDDEN_MENU_ROLES: ReadonlySet<string> = new Set(['toggleDevTools', 'toggledevtools', 'reload', 'forceReload', 'forcereload']);
