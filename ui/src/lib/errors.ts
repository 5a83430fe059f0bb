// Errors as a line for the screen. Kept apart from backend.ts so screens tested with a fake
// backend still format errors the real way.

/** The message, with the provider's request id when the error carries one the message lacks. */
export function errorText(e: unknown): string {
  if (e && typeof e === 'object') {
    const message = 'message' in e ? String(e.message) : String(e);
    const rid = 'requestId' in e && e.requestId ? String(e.requestId) : '';
    return rid && !message.includes(rid) ? `${message} (request id ${rid})` : message;
  }
  return String(e);
}
