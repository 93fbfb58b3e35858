// Reason codes of F_BLOB_ERROR (assembly/events.ts): why a security blob or a Kerberos message
// could not be decoded. Plain `export const`s, so the wasm and TypeScript (src/core/eventsView.ts)
// read the same numbers. Value of the field: (AL_* layer << 8) | AE_* reason; F_BLOB_ERR_OFFSET
// holds the byte offset (from the start of the blob / Kerberos message) where decoding stopped.

// Layers: which decoder gave up
export const AL_GSS = 1; // GSS-API framing (RFC 2743 3.1 InitialContextToken) or an unrecognised token
export const AL_SPNEGO = 2; // RFC 4178 4.2 NegotiationToken
export const AL_NTLM = 3; // MS-NLMP 2.2.1 NTLMSSP messages
export const AL_KRB = 4; // RFC 4120 5.x Kerberos messages

// Reasons
export const AE_TRUNCATED = 1; // an element (or fixed header) runs past its enclosing element or the blob
export const AE_INDEFINITE = 2; // BER indefinite length (0x80): not DER (RFC 4120 5.2 and X.690 10.1)
export const AE_LENGTH = 3; // length field of more than 4 octets (or the reserved 0xFF form)
export const AE_DEPTH = 4; // nesting deeper than the decoder's bound (assembly/proto/asn1.ts MAX_DEPTH)
export const AE_TAG = 5; // a tag the schema does not allow at this place (or a malformed high tag number)
export const AE_EMPTY = 6; // zero-length token or message
export const AE_INTEGER = 7; // INTEGER empty or longer than 64 bits
export const AE_UNKNOWN = 8; // not SPNEGO, NTLMSSP, NegoEx or Kerberos
export const AE_NTLM_TYPE = 9; // NTLMSSP MessageType other than 1, 2, 3
export const AE_BOUNDS = 10; // an NTLMSSP (offset, length) field points outside the message
