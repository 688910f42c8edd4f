// The portal's table from error code to exit code and hint (README,
// "tmsp-portal: exit codes"). The codes mean what they mean for the agent.

import type { ExitTable } from '../../core/out.ts';

export const PORTAL_EXIT: ExitTable = {
  E_INTERNAL: { exit: 1, hint: 'internal error: see the portal log' },
  E_USAGE: { exit: 2, hint: 'check the command line: tmsp-portal help' },
  E_CONFIG_INVALID: { exit: 2, hint: 'correct the setting or value named in the message; nothing was changed' },
  E_DAEMON_DOWN: { exit: 3, hint: 'the portal is not running on this data directory: start it with tmsp-portal run' },
  E_CONFIG_IO: { exit: 5, hint: 'a file could not be read or written: check the path and permissions' },
  E_STATE: { exit: 6, hint: 'the data directory could not be used: check it, and that no other portal uses it' },
  E_ADDON: { exit: 7, hint: 'a native part of the program is missing or built for another system' },
  E_NOT_CONFIGURED: { exit: 8, hint: 'fill in the settings this action needs first' },
  E_NOT_FOUND: { exit: 9, hint: 'there is no such account or appliance: see tmsp-portal account list / appliances' },
  E_TEST_FAILED: { exit: 10, hint: 'the test failed: see the message for which channel and why' },
};
