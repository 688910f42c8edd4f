// MQTT topics on the TMSP status server.
//
//   tmsp/v1/<applianceId>/status        retained "online" / "offline" (the last will)
//   tmsp/v1/<applianceId>/heartbeat     QoS 1, JSON (see heartbeat.ts)
//   tmsp/v1/<applianceId>/registration  retained JSON (see heartbeat.ts)

export const TOPIC_ROOT = 'tmsp/v1';

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
