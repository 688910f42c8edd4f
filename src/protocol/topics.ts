// MQTT topics on the TMSP status server.
//
//   tmsp/v1/<applianceId>/status        retained "online" / "offline" (the last will)
//   tmsp/v1/<applianceId>/heartbeat     QoS 1, JSON (see heartbeat.ts)
//   tmsp/v1/<applianceId>/registration  retained JSON (see heartbeat.ts)

export const TOPIC_ROOT = 'tmsp/v1';

/** What an appliance id may be: it names a topic level and a directory, so no "/", no "+" or "#", no leading ".". */
export const APPLIANCE_ID = /^[A-Za-z0-9_-][A-Za-z0-9._-]{0,63}$/;

export function topics(applianceId: string) {
  const base = `${TOPIC_ROOT}/${applianceId}`;
  return {
    status: `${base}/status`,
    heartbeat: `${base}/heartbeat`,
    registration: `${base}/registration`,
  };
}

export const ONLINE = 'online';
export const OFFLINE = 'offline';
