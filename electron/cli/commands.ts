import type { CliCommand } from './command';
import { SECURITY_COMMANDS } from './security-commands';
import { STACK_COMMANDS } from './stack-commands';
import { LOGS_COMMANDS } from './logs-commands';
import { KEY_COMMANDS } from './key-commands';
import { DB_COMMANDS } from './db-commands';
import { SETTINGS_COMMANDS } from './settings-commands';
import { REMOVE_COMMAND } from './remove-command';
import { TLS_COMMANDS } from './tls-commands';
import { CLIENTS_COMMANDS } from './clients-commands';
import { ADOPT_COMMANDS } from './adopt-commands';
import { SWARM_COMMANDS } from './swarm-commands';
import { EXPORT_COMMANDS } from './export-commands';

/**
 * Every `gatehouse` command, in the order help lists them. Each area keeps its commands in a
 * module of its own (electron/cli/*-commands.ts, remove-command.ts) and adds them here.
 */
export const COMMANDS: CliCommand[] = [...STACK_COMMANDS, REMOVE_COMMAND, ...SECURITY_COMMANDS, ...LOGS_COMMANDS, ...KEY_COMMANDS, ...DB_COMMANDS, ...SETTINGS_COMMANDS, ...TLS_COMMANDS, ...CLIENTS_COMMANDS, ...ADOPT_COMMANDS, ...SWARM_COMMANDS, ...EXPORT_COMMANDS];
