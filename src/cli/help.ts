export const HELP = `tmsp-agent: the appliance's link to TMSP and the TippingPoint SMS

usage: tmsp-agent [--config FILE | --dev] [--json] COMMAND ...

commands:
  run                         run the daemon in the foreground
  status                      what the running daemon reports (spool, sources, counters, memory)
  flush                       seal the open chunk and store it now
  reload                      make the running daemon re-read its configuration
  upload-now                  upload the spool to TMSP now (waits for the round to end)
  tmsp test-connection [KEY=VALUE ...]
                              test every step to TMSP with these candidate settings
  tmsp save [--force] [KEY=VALUE ...]
                              test, then save the settings (accepting the host key shown)
  objects add TYPE VALUE RISK [--ttl-days N] [--category cnc-callback]
                              add a suspicious object (TYPE ipv4|domain, RISK high|medium|low)
  objects remove TYPE VALUE   remove one (it is deleted from the SMS if it was sent)
  objects expire [TYPE VALUE] expire one now, or all that are due
  objects list [--limit N] [--failed]
                              the objects the appliance holds; --failed: the entries the SMS refused, with its answer
  sms test-connection [KEY=VALUE ...]
                              test every step to the SMS with these candidate settings
  sms save [--force] [KEY=VALUE ...]
                              test (when distribution is on), then save the settings
  sms status                  distribution state, outbox, counters, last error
  sms query VALUE             look an IPv4 address or domain up on the SMS
  sms retry [TYPE VALUE]      send again the entries the SMS refused (after fixing the cause)
  sms purge                   delete from the SMS every entry this appliance put there
  spool verify                check a stopped agent's spool: database integrity and chunk CRCs
  config show                 the effective configuration, secrets masked
  config get KEY              one setting
  config set KEY=VALUE ...    change settings (all or nothing), then reload a running daemon
  config validate FILE        check a configuration file without applying it
  config import FILE          replace the configuration with FILE (secrets it lacks are kept)
  config export [--include-secrets] [--output FILE]
                              print or write the configuration (without secrets unless asked)
  version                     the program's version

options:
  --config FILE   configuration file (default: $TMSP_AGENT_CONFIG or /etc/tmsp-agent/config.json)
  --dev           development mode: config, state and sockets under ./.dev (no root needed)
  --json          one JSON object on stdout: {"ok":true,...} or {"ok":false,"error":{...}}
`;
