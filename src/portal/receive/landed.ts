// What a receiver hands on: a file that became complete under its final
// name inside an account's directory. Receivers know nothing of batches,
// the store or ingest; ingest decides what a landed file is.

export interface Landed {
  account: string;
  via: 'sftp' | 'https' | 'rescan';
  /** Path inside the account's directory, '/'-separated, never with '..' segments. */
  relPath: string;
  /** Absolute path on disk. */
  file: string;
}

export type OnLanded = (l: Landed) => void;

/** What receivers ask of the accounts. Throttling, logging and hashing sit behind it. */
export interface LoginCheck {
  verify(user: string, password: string, remote: string): Promise<boolean>;
}
