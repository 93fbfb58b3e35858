// The crypto SMB 3 decryption needs, pure synchronous TypeScript so the CLI and the Worker run the
// same code (WebCrypto is asynchronous and lacks AES-CCM, MD4, HMAC-MD5 and RC4). Each primitive is
// proven against its published vectors in tests/crypto-*.test.ts and cross-checked with node:crypto.
export { md4 } from "./md4";
export { md5 } from "./md5";
export { sha1 } from "./sha1";
export { sha256 } from "./sha256";
export { sha512 } from "./sha512";
export { hmac, hmacMd5, hmacSha1, hmacSha256, HmacSha256 } from "./hmac";
export { rc4 } from "./rc4";
export { Aes, type AesKey } from "./aes";
export { aesCcmDecrypt, aesCcmEncrypt, aesCcmKeystreamXor } from "./ccm";
export { aesGcmDecrypt, aesGcmEncrypt, aesGcmKeystreamXor } from "./gcm";
export { sp800108HmacSha256, sp800108CounterHmacSha256, hkdfSha256Extract, hkdfSha256Expand, HkdfSha256 } from "./kdf";
export { aesCtsDecrypt, aesCtsEncrypt } from "./aesCts";
export { pbkdf2HmacSha1 } from "./pbkdf2";
export { nfold, deriveKeyAes, aesUsageKeys, aesStringToKey } from "./krb5Keys";
export { krb5Decrypt, krb5Encrypt, ETYPE, KEY_USAGE, ETYPE_KEY_LENGTH, type Krb5Decrypted } from "./krb5Crypto";
export { bytesEqual, concatBytes, utf16le } from "./bytes";
