// RC4. Only for NTLM key exchange: ExportedSessionKey = RC4(KeyExchangeKey,
// EncryptedRandomSessionKey) when NTLMSSP_NEGOTIATE_KEY_EXCH (MS-NLMP 3.1.5.1.2, 3.4.5.1).

/** `data` XORed with the RC4 keystream of `key` (1–256 bytes); encrypts and decrypts alike. */
export function rc4(key: Uint8Array, data: Uint8Array): Uint8Array {
  if (key.length < 1 || key.length > 256) throw new RangeError(`rc4: key of ${key.length} bytes (1 to 256 expected)`);
  const s = new Uint8Array(256);
  for (let i = 0; i < 256; i++) s[i] = i;
  for (let i = 0, j = 0; i < 256; i++) {
    j = (j + s[i] + key[i % key.length]) & 255;
    const t = s[i]; s[i] = s[j]; s[j] = t;
  }
  const out = new Uint8Array(data.length);
  for (let n = 0, i = 0, j = 0; n < data.length; n++) {
    i = (i + 1) & 255;
    j = (j + s[i]) & 255;
    const t = s[i]; s[i] = s[j]; s[j] = t;
    out[n] = data[n] ^ s[(s[i] + s[j]) & 255];
  }
  return out;
}
