// Received batch files (the raw records detections point back to) and
// quarantined ones are kept as long as the detections: ingest.retentionDays.
// The archive prunes its own batches (portal/archive/); quarantine is a local
// directory, pruned here by each file's time: when it was received (a move
// keeps the upload's modification time), so a file older than the cut goes.

export { pruneFiles } from '../archive/local.ts';
