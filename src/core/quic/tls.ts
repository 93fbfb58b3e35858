// The TLS 1.3 handshake messages a QUIC Initial carries in its CRYPTO frames (RFC 9001 4): the
// ClientHello (SNI, RFC 6066 3; ALPN, RFC 7301 3.1) and the ServerHello (cipher suite). Bounded,
// never throws: a message cut short gives what was read before the cut.

export interface ClientHello { sni: string | null; alpn: string[] }
export interface ServerHello { cipherSuite: number }

const latin1 = new TextDecoder("latin1");

/**
 * The body of the first handshake message of `type` among the first 16 of a CRYPTO stream, while
 * they are whole; null when there is none. (A loop, not a generator: one was made per flow, and
 * V8 compiles a generator's callers with more work.)
 */
function message(s: Uint8Array, type: number): Uint8Array | null {
  let i = 0;
  for (let n = 0; n < 16 && i + 4 <= s.length; n++) {
    const len = (s[i + 1] << 16) | (s[i + 2] << 8) | s[i + 3];
    if (i + 4 + len > s.length) return null;
    if (s[i] === type) return s.subarray(i + 4, i + 4 + len);
    i += 4 + len;
  }
  return null;
}

const u16 = (b: Uint8Array, i: number) => (b[i] << 8) | b[i + 1];

/** The ClientHello at the start of the client's Initial CRYPTO stream, or null. */
export function parseClientHello(stream: Uint8Array): ClientHello | null {
  const b = message(stream, 1);
  if (b) {
    let i = 2 + 32; // legacy_version, random
    if (i + 1 > b.length) return null;
    i += 1 + b[i]; // legacy_session_id
    if (i + 2 > b.length) return null;
    i += 2 + u16(b, i); // cipher_suites
    if (i + 1 > b.length) return null;
    i += 1 + b[i]; // legacy_compression_methods
    const out: ClientHello = { sni: null, alpn: [] };
    if (i + 2 > b.length) return out;
    const end = Math.min(b.length, i + 2 + u16(b, i));
    i += 2;
    while (i + 4 <= end) {
      const type = u16(b, i), len = u16(b, i + 2);
      const e = b.subarray(i + 4, Math.min(end, i + 4 + len));
      i += 4 + len;
      if (type === 0 && e.length >= 5 && e[2] === 0) { // server_name list: first entry, host_name
        const n = u16(e, 3);
        out.sni = latin1.decode(e.subarray(5, Math.min(e.length, 5 + n, 5 + 255)));
      } else if (type === 16 && e.length >= 2) { // application_layer_protocol_negotiation
        for (let j = 2; j < e.length && out.alpn.length < 16;) {
          const n = e[j];
          out.alpn.push(latin1.decode(e.subarray(j + 1, Math.min(e.length, j + 1 + n))));
          j += 1 + n;
        }
      }
    }
    return out;
  }
  return null;
}

/** The ServerHello in the server's Initial CRYPTO stream, or null. */
export function parseServerHello(stream: Uint8Array): ServerHello | null {
  const b = message(stream, 2);
  if (b) {
    let i = 2 + 32;
    if (i + 1 > b.length) return null;
    i += 1 + b[i];
    if (i + 2 > b.length) return null;
    return { cipherSuite: u16(b, i) };
  }
  return null;
}

/** TLS alert descriptions (RFC 8446 6, RFC 8446 B.2). */
export const TLS_ALERTS: Readonly<Record<number, string>> = {
  0: "close_notify", 10: "unexpected_message", 20: "bad_record_mac", 22: "record_overflow", 40: "handshake_failure",
  42: "bad_certificate", 43: "unsupported_certificate", 44: "certificate_revoked", 45: "certificate_expired",
  46: "certificate_unknown", 47: "illegal_parameter", 48: "unknown_ca", 49: "access_denied", 50: "decode_error",
  51: "decrypt_error", 70: "protocol_version", 71: "insufficient_security", 80: "internal_error",
  86: "inappropriate_fallback", 90: "user_canceled", 109: "missing_extension", 110: "unsupported_extension",
  112: "unrecognized_name", 113: "bad_certificate_status_response", 115: "unknown_psk_identity",
  116: "certificate_required", 120: "no_application_protocol",
};

/** QUIC transport error codes (RFC 9000 20.1; 0x11 RFC 9368). */
export const QUIC_ERRORS: Readonly<Record<number, string>> = {
  0x0: "NO_ERROR", 0x1: "INTERNAL_ERROR", 0x2: "CONNECTION_REFUSED", 0x3: "FLOW_CONTROL_ERROR", 0x4: "STREAM_LIMIT_ERROR",
  0x5: "STREAM_STATE_ERROR", 0x6: "FINAL_SIZE_ERROR", 0x7: "FRAME_ENCODING_ERROR", 0x8: "TRANSPORT_PARAMETER_ERROR",
  0x9: "CONNECTION_ID_LIMIT_ERROR", 0xa: "PROTOCOL_VIOLATION", 0xb: "INVALID_TOKEN", 0xc: "APPLICATION_ERROR",
  0xd: "CRYPTO_BUFFER_EXCEEDED", 0xe: "KEY_UPDATE_ERROR", 0xf: "AEAD_LIMIT_REACHED", 0x10: "NO_VIABLE_PATH",
  0x11: "VERSION_NEGOTIATION_ERROR",
};

/** A CONNECTION_CLOSE error code in words: "crypto error: certificate_unknown (TLS alert 46)", "CONNECTION_REFUSED (0x2)". */
export function closeName(frameType: number, code: number): string {
  if (frameType === 0x1d) return `application error 0x${code.toString(16)}`;
  if (code >= 0x100 && code <= 0x1ff) {
    const alert = code - 0x100;
    return `crypto error: ${TLS_ALERTS[alert] ?? "unknown alert"} (TLS alert ${alert})`;
  }
  return `${QUIC_ERRORS[code] ?? "unknown error"} (0x${code.toString(16)})`;
}
