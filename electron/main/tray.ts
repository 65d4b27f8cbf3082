import { Menu, Tray, nativeImage, type NativeImage } from 'electron';
import type { StackState } from '../../shared/api';
import { drawBadge } from './png';
import { trayLook } from './tray-state';

export interface TrayActions {
  start(): void;
  stop(): void;
  copyKey(): void;
  open(): void;
  quit(): void;
}

/** The tray icon: its colour follows the gateway's state; the menu offers what fits that state. */
export class GatehouseTray {
  private readonly tray: Tray;
  private readonly icons = new Map<string, NativeImage>();
  private state: StackState | null = null;

  constructor(private readonly actions: TrayActions) {
    this.tray = new Tray(this.icon(null));
    this.tray.on('click', () => actions.open());
    this.update(null);
  }

  update(state: StackState | null): void {
    this.state = state;
    const look = trayLook(state);
    this.tray.setImage(this.icon(state));
    this.tray.setToolTip(`Gatehouse — ${look.label}`);
    this.tray.setContextMenu(
      Menu.buildFromTemplate([
        { label: look.label, enabled: false },
        { type: 'separator' },
        look.action === 'stop'
          ? { label: 'Stop gateway', click: () => this.actions.stop() }
          : { label: 'Start gateway', enabled: look.action === 'start', click: () => this.actions.start() },
        { label: 'Copy key', click: () => this.actions.copyKey() },
        { label: 'Open Gatehouse', click: () => this.actions.open() },
        { type: 'separator' },
        { label: 'Quit', click: () => this.actions.quit() },
      ]),
    );
  }

  current(): StackState | null {
    return this.state;
  }

  destroy(): void {
    this.tray.destroy();
  }

  private icon(state: StackState | null): NativeImage {
    const look = trayLook(state);
    const key = look.colour.join(',');
    let img = this.icons.get(key);
    if (!img) {
      // 32 px drawn, shown at 16 pt (scale factor 2) so HiDPI panels stay sharp.
      img = nativeImage.createFromBuffer(drawBadge(32, look.colour), { scaleFactor: 2 });
      this.icons.set(key, img);
    }
    return img;
  }
}
