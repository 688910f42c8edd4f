// The control socket's wire format, shared by the daemon and the CLI: one
// JSON request line, one JSON response line, then the daemon closes.

export const MAX_CONTROL_LINE = 1024 * 1024;

/** Rows in one page of a list (objects, refused entries): its answer stays far inside MAX_CONTROL_LINE. */
export const PAGE_ROWS = 500;

export interface ControlRequest {
  cmd: string;
  args?: Record<string, unknown>;
}

export type ControlResponse =
  | { ok: true; result: unknown }
  | { ok: false; error: { code: string; message: string } };
