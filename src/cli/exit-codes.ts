// One table from error code to exit code and a plain-words hint for the
// menus. The exit codes are a documented contract (README, "Exit codes").

import type { ErrorCode } from '../errors.ts';

export const EXIT_OK = 0;

export const EXIT: Record<ErrorCode, { exit: number; hint: string }> = {
  E_INTERNAL: { exit: 1, hint: 'internal error: see the agent log' },
  E_USAGE: { exit: 2, hint: 'check the command line: tmsp-agent help' },
  E_CONFIG_INVALID: { exit: 2, hint: 'correct the setting named in the message; nothing was changed' },
  E_DAEMON_DOWN: { exit: 3, hint: 'the agent is not running: start it (e.g. /etc/init.d/S60tmsp-agent start)' },
  E_DAEMON_PROTOCOL: { exit: 4, hint: 'the running agent did not understand the request: is it the same version?' },
  E_CONFIG_IO: { exit: 5, hint: 'the configuration file could not be read or written: check the partition and permissions' },
  E_STATE: { exit: 6, hint: 'the state directory could not be used: check the data partition' },
  E_ADDON: { exit: 7, hint: 'a native part of the program is missing or built for another system' },
};
