import type { CliCommand } from './command';

/**
 * Every `gatehouse` command. Each area keeps its commands in its own module
 * (stack-commands.ts, key-commands.ts, logs-commands.ts, security-commands.ts) and adds
 * them here.
 */
export const COMMANDS: CliCommand[] = [];
