import type { LogLevel, Logger } from './types';

const LEVELS: Record<LogLevel, number> = { debug: 10, info: 20, warn: 30, error: 40 };

/** Field names whose values are never written, whatever the caller passed. */
const SECRET_KEY = /token|code|verifier|secret|password|assertion|authorization|cookie|nonce|state|jwk|private|proof|^d$|^dpop/i;

/** Token-shaped strings: JWTs and long opaque base64url/hex runs. */
const SECRET_VALUE = /eyJ[\w-]+\.[\w-]+\.[\w-]*|\b[A-Za-z0-9_-]{32,}\b/g;

export const noopLogger: Logger = () => {};

/**
 * Wraps a logger so that no secret reaches it: fields with secret-sounding
 * names are replaced, and token-shaped substrings in any string value are
 * masked. The core already avoids passing secrets; this is the second line.
 */
export function redactingLogger(sink: Logger): Logger {
  return (level, event, fields) => {
    sink(level, event, fields ? redactFields(fields) : undefined);
  };
}

export function redactFields(fields: Record<string, unknown>): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(fields)) {
    if (SECRET_KEY.test(key) && key !== 'errorCode') out[key] = '[redacted]';
    else if (typeof value === 'string') out[key] = value.replace(SECRET_VALUE, '[redacted]');
    else if (typeof value === 'number' || typeof value === 'boolean' || value === null) out[key] = value;
    else out[key] = '[object]';
  }
  return out;
}

/** JSON-lines logger for a terminal; `minLevel` filters. */
export function jsonLinesLogger(minLevel: LogLevel, write: (line: string) => void): Logger {
  return redactingLogger((level, event, fields) => {
    if (LEVELS[level] < LEVELS[minLevel]) return;
    write(JSON.stringify({ time: new Date().toISOString(), level, event, ...fields }));
  });
}
