// What the appliance tells the status server: who it is (registration,
// retained) and that it is alive, with the numbers TMSP needs to tell a
// healthy appliance from one that is up but not forwarding.

export interface Registration {
  applianceId: string;
  email: string;
  product: string;
  model: string;
  serial: string;
  hostname: string;
  version: string;
  registeredAt: string;
}

export interface Heartbeat {
  applianceId: string;
  time: string;
  uptimeS: number;
  spool: {
    chunks: number;
    records: number;
    bytes: number;
    oldestUnsentAgeS: number | null;
  };
  dropped: { chunks: number; records: number; bytes: number };
  upload: {
    state: string;
    lastSuccessAt: string | null;
    lastError: string | null;
    lastErrorCode: string | null;
  };
  /**
   * The appliance's own periods, so that TMSP judges it by its settings
   * rather than by a guess (absent from agents before 0.1.0's portal).
   */
  intervals?: { heartbeatS: number; uploadS: number };
}
