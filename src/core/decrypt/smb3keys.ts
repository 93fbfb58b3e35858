// SMB 3 encryption keys from the session key (MS-SMB2 3.2.5.3.1 client, 3.3.5.5.3 server; the KDF
// of 3.1.4.2), and the pre-authentication integrity hash 3.1.1 derives them with (3.2.5.2, 3.3.5.4).
import { concatBytes, sha512, sp800108HmacSha256 } from "../crypto";

/** Cipher ids of the SMB2_ENCRYPTION_CAPABILITIES negotiate context (MS-SMB2 2.2.3.1.2). */
export const CIPHER = { AES128CCM: 1, AES128GCM: 2, AES256CCM: 3, AES256GCM: 4 } as const;

/** Dialects that encrypt (MS-SMB2 2.2.3). */
export const DIALECT = { SMB300: 0x0300, SMB302: 0x0302, SMB311: 0x0311 } as const;

const nul = (s: string) => { const b = new Uint8Array(s.length + 1); for (let i = 0; i < s.length; i++) b[i] = s.charCodeAt(i); return b; };
// The labels and contexts of MS-SMB2 3.2.5.3.1, each with its terminating NUL as the spec counts
// it ("SMB2AESCCM" is 11 bytes). Note the space in "ServerIn ".
export const KDF_LABELS = {
  smb30Cipher: nul("SMB2AESCCM"),
  smb30ClientToServer: nul("ServerIn "),
  smb30ServerToClient: nul("ServerOut"),
  smb311ClientToServer: nul("SMBC2SCipherKey"),
  smb311ServerToClient: nul("SMBS2CCipherKey"),
} as const;

export const PREAUTH_HASH_SIZE = 64;

export const is256BitCipher = (cipher: number) => cipher === CIPHER.AES256CCM || cipher === CIPHER.AES256GCM;
export const isGcmCipher = (cipher: number) => cipher === CIPHER.AES128GCM || cipher === CIPHER.AES256GCM;
export const isKnownCipher = (cipher: number) => cipher >= CIPHER.AES128CCM && cipher <= CIPHER.AES256GCM;

/** Session.SessionKey: the first 16 bytes of the GSS key, right-padded with zeros if shorter (3.2.5.3.1). */
function sessionKey16(key: Uint8Array): Uint8Array {
  const k = new Uint8Array(16);
  k.set(key.subarray(0, 16));
  return k;
}

/**
 * The two encryption keys of a session. `sessionKey` is the whole key GSS gave (NTLM: the 16-byte
 * ExportedSessionKey; Kerberos: the subkey, 16 or 32 bytes). 3.0 and 3.0.2 always use AES-128-CCM
 * and ignore `cipher`; 3.1.1 takes the cipher the NEGOTIATE response chose and needs the session's
 * pre-auth hash. AES-256 keys come from the full session key (Session.FullSessionKey), 128-bit
 * ones from its first 16 bytes. Throws a RangeError for a dialect without encryption, an unknown
 * cipher or a 3.1.1 call without a 64-byte hash: those are the caller's mistakes, not the capture's.
 */
export function smb3DecryptionKeys(dialect: number, cipher: number, sessionKey: Uint8Array, preauthHash: Uint8Array | null): { clientToServer: Uint8Array; serverToClient: Uint8Array } {
  if (dialect === DIALECT.SMB300 || dialect === DIALECT.SMB302) {
    const k = sessionKey16(sessionKey);
    return {
      clientToServer: sp800108HmacSha256(k, KDF_LABELS.smb30Cipher, KDF_LABELS.smb30ClientToServer, 128),
      serverToClient: sp800108HmacSha256(k, KDF_LABELS.smb30Cipher, KDF_LABELS.smb30ServerToClient, 128),
    };
  }
  if (dialect !== DIALECT.SMB311) throw new RangeError(`smb3DecryptionKeys: dialect 0x${dialect.toString(16).padStart(4, "0")} has no encryption (3.0, 3.0.2, 3.1.1 expected)`);
  if (!isKnownCipher(cipher)) throw new RangeError(`smb3DecryptionKeys: unknown cipher ${cipher} (1 to 4 expected, MS-SMB2 2.2.3.1.2)`);
  if (preauthHash === null || preauthHash.length !== PREAUTH_HASH_SIZE) throw new RangeError(`smb3DecryptionKeys: 3.1.1 needs the 64-byte pre-auth hash (got ${preauthHash === null ? "none" : preauthHash.length + " bytes"})`);
  const wide = is256BitCipher(cipher);
  const k = wide ? sessionKey : sessionKey16(sessionKey);
  const bits = wide ? 256 : 128;
  return {
    clientToServer: sp800108HmacSha256(k, KDF_LABELS.smb311ClientToServer, preauthHash, bits),
    serverToClient: sp800108HmacSha256(k, KDF_LABELS.smb311ServerToClient, preauthHash, bits),
  };
}

/**
 * The SMB 3.1.1 pre-authentication integrity hash (SHA-512, the only hash 3.1.1 defines):
 * H = SHA-512(H ‖ message), starting from 64 zero bytes. The connection's runs over NEGOTIATE
 * request and response; a session's starts from the connection's (clone it) and takes each
 * SESSION_SETUP request and response except the final successful response (MS-SMB2 3.2.5.2,
 * 3.2.5.3.1, 3.3.5.4).
 */
export class PreauthHash {
  private h: Uint8Array;
  constructor(initial?: Uint8Array) {
    this.h = initial ? initial.slice() : new Uint8Array(PREAUTH_HASH_SIZE);
  }
  /** The whole SMB2 message, from its 0xFE 'S' 'M' 'B' header to its end, without NBSS framing. */
  update(smb2Message: Uint8Array): void {
    this.h = sha512(concatBytes(this.h, smb2Message));
  }
  clone(): PreauthHash {
    return new PreauthHash(this.h);
  }
  digest(): Uint8Array {
    return this.h.slice();
  }
}
