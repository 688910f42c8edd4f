export const PORTAL_HELP = `tmsp-portal: the on-premise Threat Management Services Portal

usage: tmsp-portal [--config FILE | --dev] [--json] COMMAND ...

commands:
  run                          run the portal in the foreground (SFTP, HTTPS and MQTT receivers, web pages)
  status                       what the running portal reports (listeners, fingerprints, counters)
  account add NAME [--role appliance|admin] [--password-stdin]
                               add an account (appliances log in with role appliance; the web pages need admin)
  account passwd NAME [--password-stdin]
                               change its password
  account list                 the accounts (never their passwords)
  account remove NAME          remove one; its appliances can no longer log in
  account claim NAME ID...     tie appliance ids to an account before they first connect (an external broker
                               lets an account publish only for its ids; with mqtt.aclFile set, the file says so)
  appliances                   every appliance: state, last heartbeat, last batch, spool, drops
  appliance show ID            one appliance: registration, heartbeats, batches, gaps, alerts
  appliance retire ID          stop watching it: no more states or notifications
  maintenance add ID|all --hours N [--reason TEXT]
                               hold notices about one appliance (or all) back for N hours from now
  maintenance list             windows now or ahead
  maintenance remove N         end a window
  report generate --type daily|weekly|monthly --period DAY [--account A]
                               make the report of the period holding DAY (YYYY-MM-DD), for the
                               whole portal or one account; one made already is shown, not made again
  report list [--from DAY] [--to DAY] [--account A]
                               reports made (default: the last 31 days), and whether they were e-mailed
  report show --type T --period DAY [--account A] [--output FILE.pdf|.html|.json]
                               a report's model as JSON, or its PDF, HTML page or JSON written to FILE
  report export --from DAY --to DAY [--account A] --output FILE.zip
                               every report of the range, as PDF, HTML and JSON, in one zip
  notify test                  send a test notification by every configured channel, and wait for the answer
  version                      the program's version

  --config FILE   the settings (default /etc/tmsp-portal/portal.json, or $TMSP_PORTAL_CONFIG)
  --dev           settings and data under ./.dev/portal, listening on loopback
  --json          one JSON object on stdout: {"ok":true,...} or {"ok":false,"error":{...}}

A password is read from stdin with --password-stdin, asked for on a terminal,
or else made up and shown once.
`;
