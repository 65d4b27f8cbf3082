import type { StackState } from '../../shared/api';
import type { Rgb } from './png';

/**
 * What the tray shows for each gateway state: the icon colour and a short label. Kept apart
 * from tray.ts (which imports 'electron') so the mapping is plain data, shared with nothing else.
 */
export interface TrayLook {
  colour: Rgb;
  label: string;
  /** Whether "Start" or "Stop" is the useful action in this state. */
  action: 'start' | 'stop' | 'none';
}

const GREY: Rgb = [107, 114, 128];
const GREEN: Rgb = [22, 163, 74];
const AMBER: Rgb = [217, 119, 6];
const RED: Rgb = [220, 38, 38];
const BLUE: Rgb = [37, 99, 235];

export function trayLook(state: StackState | null): TrayLook {
  switch (state) {
    case 'healthy':
      return { colour: GREEN, label: 'Gateway running', action: 'stop' };
    case 'pulling':
      return { colour: BLUE, label: 'Downloading the gateway image…', action: 'stop' };
    case 'starting':
      return { colour: BLUE, label: 'Gateway starting…', action: 'stop' };
    case 'stopping':
      return { colour: BLUE, label: 'Gateway stopping…', action: 'none' };
    case 'unhealthy':
      return { colour: AMBER, label: 'Gateway unhealthy', action: 'stop' };
    case 'unsafe':
      return { colour: RED, label: 'Gateway answers without a key!', action: 'stop' };
    case 'crashed':
      return { colour: RED, label: 'Gateway crashed', action: 'start' };
    case 'stopped':
    case 'absent':
      return { colour: GREY, label: 'Gateway stopped', action: 'start' };
    default:
      return { colour: GREY, label: 'Gateway state unknown', action: 'none' };
  }
}
