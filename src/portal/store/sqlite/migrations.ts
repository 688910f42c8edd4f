// The portal database's schema, by version (PRAGMA user_version). Append;
// never edit a migration that has shipped.

export const MIGRATIONS: readonly string[] = [
  `
  CREATE TABLE account (
    name TEXT PRIMARY KEY, role TEXT NOT NULL, hash TEXT NOT NULL, created_at INTEGER NOT NULL, updated_at INTEGER NOT NULL
  );
  CREATE TABLE appliance (
    id TEXT PRIMARY KEY, account TEXT NOT NULL, registration TEXT, first_registered_at INTEGER, last_registered_at INTEGER,
    status TEXT, status_at INTEGER, last_heartbeat_at INTEGER, last_heartbeat TEXT, interval_s REAL, upload_interval_s REAL,
    last_batch_at INTEGER, last_batch_name TEXT, batches INTEGER NOT NULL DEFAULT 0, records INTEGER NOT NULL DEFAULT 0,
    detections INTEGER NOT NULL DEFAULT 0, state TEXT NOT NULL, state_since INTEGER NOT NULL, created_at INTEGER NOT NULL
  );
  CREATE TABLE heartbeat_bucket (
    appliance_id TEXT NOT NULL, start INTEGER NOT NULL, count INTEGER NOT NULL, spool_records INTEGER NOT NULL,
    dropped_records INTEGER NOT NULL, PRIMARY KEY (appliance_id, start)
  ) WITHOUT ROWID;
  CREATE INDEX heartbeat_bucket_start ON heartbeat_bucket (start);
  CREATE TABLE batch (
    id INTEGER PRIMARY KEY, appliance_id TEXT NOT NULL, first_seq INTEGER NOT NULL, last_seq INTEGER NOT NULL, name TEXT NOT NULL,
    via TEXT NOT NULL, size INTEGER NOT NULL, records INTEGER NOT NULL, new_records INTEGER NOT NULL DEFAULT 0,
    detections INTEGER NOT NULL DEFAULT 0, received_at INTEGER NOT NULL, state TEXT NOT NULL
  );
  CREATE UNIQUE INDEX batch_range ON batch (appliance_id, first_seq, last_seq);
  CREATE INDEX batch_last ON batch (appliance_id, last_seq);
  CREATE INDEX batch_received ON batch (received_at);
  CREATE TABLE gap (
    appliance_id TEXT NOT NULL, first_seq INTEGER NOT NULL, last_seq INTEGER NOT NULL, found_at INTEGER NOT NULL,
    PRIMARY KEY (appliance_id, first_seq)
  ) WITHOUT ROWID;
  CREATE TABLE quarantine (
    id INTEGER PRIMARY KEY, appliance_id TEXT, account TEXT NOT NULL, name TEXT NOT NULL, reason TEXT NOT NULL, at INTEGER NOT NULL
  );
  CREATE TABLE detection (
    id INTEGER PRIMARY KEY, batch_id INTEGER NOT NULL, time INTEGER NOT NULL, appliance_id TEXT NOT NULL, seq INTEGER NOT NULL,
    format TEXT NOT NULL, event_id TEXT NOT NULL, threat TEXT NOT NULL, severity INTEGER NOT NULL, category TEXT NOT NULL,
    src_host TEXT, src_port INTEGER, dst_host TEXT, dst_port INTEGER, protocol TEXT, action TEXT, cnc INTEGER NOT NULL,
    cnc_address TEXT
  );
  CREATE INDEX detection_time ON detection (time, appliance_id, seq);
  CREATE INDEX detection_appliance_time ON detection (appliance_id, time);
  CREATE INDEX detection_src ON detection (src_host, time);
  CREATE INDEX detection_dst ON detection (dst_host, time);
  CREATE INDEX detection_batch ON detection (batch_id);
  CREATE TABLE rollup_daily (
    day TEXT NOT NULL, appliance_id TEXT NOT NULL, severity INTEGER NOT NULL, category TEXT NOT NULL, threat TEXT NOT NULL,
    count INTEGER NOT NULL, PRIMARY KEY (day, appliance_id, severity, category, threat)
  ) WITHOUT ROWID;
  CREATE TABLE alert (
    id INTEGER PRIMARY KEY, appliance_id TEXT NOT NULL, kind TEXT NOT NULL, opened_at INTEGER NOT NULL, closed_at INTEGER,
    last_notified_at INTEGER, notifications INTEGER NOT NULL DEFAULT 0, detail TEXT NOT NULL
  );
  CREATE INDEX alert_open ON alert (appliance_id, kind) WHERE closed_at IS NULL;
  CREATE TABLE maintenance (
    id INTEGER PRIMARY KEY, appliance_id TEXT NOT NULL, start INTEGER NOT NULL, end INTEGER NOT NULL, reason TEXT NOT NULL
  );
  CREATE TABLE notification (
    id INTEGER PRIMARY KEY, channel TEXT NOT NULL, created_at INTEGER NOT NULL, attempts INTEGER NOT NULL DEFAULT 0,
    next_at INTEGER NOT NULL, body TEXT NOT NULL, last_error TEXT
  );
  CREATE INDEX notification_due ON notification (next_at);
  CREATE TABLE counter (name TEXT PRIMARY KEY, value INTEGER NOT NULL) WITHOUT ROWID;
  `,
  // Reports: a period and scope is claimed once, before it is made, so that two portals on one store never make it twice.
  `
  CREATE TABLE report (
    id INTEGER PRIMARY KEY, type TEXT NOT NULL, first_day TEXT NOT NULL, last_day TEXT NOT NULL, scope TEXT NOT NULL,
    time_zone TEXT NOT NULL, claimed_at INTEGER NOT NULL, claimed_by TEXT NOT NULL, made_at INTEGER, model TEXT,
    UNIQUE (type, first_day, scope)
  );
  CREATE INDEX report_first ON report (first_day);
  `,
  // Reports: roll-ups per local day of the report time zone (meta.rollup_zone; rebuilt from the detections
  // when it changes), per affected host, per C&C callback, and per account (what a month's report reads:
  // a hundred appliances' rows summed once, at ingest); the records each heartbeat says were dropped
  // since the one before, so a day's drops are a sum, whatever the appliance's restarts did to its counter.
  `
  CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT NOT NULL) WITHOUT ROWID;
  INSERT INTO meta VALUES ('rollup_zone', 'UTC');
  ALTER TABLE heartbeat_bucket ADD COLUMN dropped_new INTEGER NOT NULL DEFAULT 0;
  CREATE TABLE rollup_host (
    day TEXT NOT NULL, appliance_id TEXT NOT NULL, host TEXT NOT NULL, count INTEGER NOT NULL, max_severity INTEGER NOT NULL,
    cnc INTEGER NOT NULL, PRIMARY KEY (day, appliance_id, host)
  ) WITHOUT ROWID;
  CREATE TABLE rollup_cnc (
    day TEXT NOT NULL, appliance_id TEXT NOT NULL, host TEXT NOT NULL, address TEXT NOT NULL, count INTEGER NOT NULL,
    max_severity INTEGER NOT NULL, first INTEGER NOT NULL, last INTEGER NOT NULL, PRIMARY KEY (day, appliance_id, host, address)
  ) WITHOUT ROWID;
  CREATE INDEX gap_found ON gap (found_at);
  CREATE TABLE rollup_account (
    day TEXT NOT NULL, account TEXT NOT NULL, severity INTEGER NOT NULL, category TEXT NOT NULL, threat TEXT NOT NULL, count INTEGER NOT NULL,
    PRIMARY KEY (day, account, severity, category, threat)
  ) WITHOUT ROWID;
  CREATE INDEX rollup_daily_threat ON rollup_daily (threat, category, day);
  INSERT INTO rollup_account SELECT r.day, a.account, r.severity, r.category, r.threat, sum(r.count) FROM rollup_daily r
    JOIN appliance a ON a.id = r.appliance_id GROUP BY 1, 2, 3, 4, 5;
  ALTER TABLE report ADD COLUMN mailed_at INTEGER;
  ALTER TABLE report ADD COLUMN mail_attempts INTEGER NOT NULL DEFAULT 0;
  ALTER TABLE report ADD COLUMN mail_error TEXT;
  INSERT INTO rollup_host SELECT strftime('%Y-%m-%d', d.time / 1000, 'unixepoch'), d.appliance_id, coalesce(d.src_host, d.dst_host),
    count(*), max(d.severity), sum(d.cnc) FROM detection d JOIN batch b ON b.id = d.batch_id
    WHERE b.state = 'done' AND coalesce(d.src_host, d.dst_host) IS NOT NULL GROUP BY 1, 2, 3;
  INSERT INTO rollup_cnc SELECT strftime('%Y-%m-%d', d.time / 1000, 'unixepoch'), d.appliance_id, coalesce(d.src_host, '?'), d.cnc_address,
    count(*), max(d.severity), min(d.time), max(d.time) FROM detection d JOIN batch b ON b.id = d.batch_id
    WHERE b.state = 'done' AND d.cnc = 1 AND d.cnc_address IS NOT NULL GROUP BY 1, 2, 3, 4;
  `,
  // Reports: a report being e-mailed is taken until then, so that of several portal processes one sends it.
  `
  ALTER TABLE report ADD COLUMN mail_taken_until INTEGER NOT NULL DEFAULT 0;
  `,
];
