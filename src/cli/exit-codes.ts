// One table from error code to exit code and a plain-words hint for the
// menus. The exit codes are a documented contract (README, "Exit codes").

import type { ErrorCode } from '../errors.ts';

export const EXIT: Record<ErrorCode, { exit: number; hint: string }> = {
  E_INTERNAL: { exit: 1, hint: 'internal error: see the agent log' },
  E_USAGE: { exit: 2, hint: 'check the command line: tmsp-agent help' },
  E_CONFIG_INVALID: { exit: 2, hint: 'correct the setting named in the message; nothing was changed' },
  E_DAEMON_DOWN: { exit: 3, hint: 'the agent is not running: start it (e.g. /etc/init.d/S60tmsp-agent start)' },
  E_DAEMON_PROTOCOL: { exit: 4, hint: 'the running agent did not understand the request: is it the same version?' },
  E_CONFIG_IO: { exit: 5, hint: 'the configuration file could not be read or written: check the partition and permissions' },
  E_STATE: { exit: 6, hint: 'the state directory could not be used: check the data partition' },
  E_ADDON: { exit: 7, hint: 'a native part of the program is missing or built for another system' },
  E_NOT_CONFIGURED: { exit: 8, hint: 'fill in the settings this action needs first' },
  E_NOT_FOUND: { exit: 9, hint: 'the entry is not in the SMS Reputation Database' },
  E_TEST_FAILED: { exit: 10, hint: 'a connection test step failed: see the steps for which one and why' },
  E_RESOLVE: { exit: 11, hint: 'the server name could not be resolved: check the name and the appliance DNS settings' },
  E_CONNECT: { exit: 12, hint: 'the server could not be reached: check the address, port, firewall, and whether the server is up' },
  E_TIMEOUT: { exit: 13, hint: 'the server did not answer in time: check the network path and the proxy' },
  E_PROXY_AUTH: { exit: 14, hint: 'the proxy refused the login: check the proxy user name and password' },
  E_PROXY_REFUSED: { exit: 15, hint: 'the proxy refused the connection: check that it allows CONNECT to this port' },
  E_TLS_UNTRUSTED: { exit: 16, hint: 'the server certificate is not trusted: compare the SHA-256 fingerprint shown with the one on the server\'s own console; if they are the same, pin it with the setting named (or add the CA that signed it as the tlsCaFile)' },
  E_TLS_EXPIRED: { exit: 17, hint: 'the server certificate has expired or is not valid yet: check the server, and the appliance clock' },
  E_TLS_HOSTNAME: { exit: 18, hint: 'the server certificate is for another name: use the name on the certificate' },
  E_TLS_PIN: { exit: 19, hint: 'the server certificate is not the pinned one: if it was replaced on purpose, compare the new fingerprint shown with the server\'s console, then pin that one' },
  E_HOSTKEY: { exit: 20, hint: 'the SSH host key changed: compare the new fingerprint shown with the server\'s administrator; if the change is expected, accept it with tmsp save tmsp.hostKeyFingerprint=<the new fingerprint>' },
  E_HOSTKEY_UNKNOWN: { exit: 21, hint: 'the SSH host key is not accepted yet: run Test Connection, check the fingerprint, then Save' },
  E_AUTH: { exit: 22, hint: 'authentication failed: check the user name and password' },
  E_REMOTE: { exit: 23, hint: 'the server reported an error: it will be retried; check the server if it persists' },
  E_REMOTE_REFUSED: { exit: 24, hint: 'the server refused the request: check the path and permissions on the server' },
  E_SPOOL_CHANGED: { exit: 26, hint: 'chunks left the spool while they were being uploaded (it was full, or one was damaged): the upload is tried again' },
  E_PROTOCOL: { exit: 25, hint: 'the server does not speak the expected protocol: check the protocol and port' },
};
