// The ONE contract between the wasm decoder and TypeScript.
//
// This module is compiled into the wasm by asc AND imported by src/ (it holds only plain
// `export const` integer declarations, which AssemblyScript and TypeScript read alike).
// Change a number here and both sides change together; tests/contract.test.ts proves that the
// built .wasm was compiled from the same numbers (see LAYOUT_CHECK in assembly/index.ts).
//
// Output buffer: a sequence of records, each 4-byte aligned:
//   header (REC_HEADER_SIZE bytes)
//     u16 kind        EV_*
//     u16 length      whole record in bytes, header included, multiple of 4
//     u32 frame       1-based frame number, as Wireshark numbers frames
//     i64 tsNs        capture timestamp, nanoseconds since the Unix epoch
//     i32 stream      Wireshark tcp.stream, -1 when the record is not about a TCP flow
//     u8  tsDigits    fractional digits of the capture's timestamp resolution (6 = µs, 9 = ns)
//     u8  flags       REC_FLAG_*
//     u16 reserved
//   then fields, each 4-byte aligned:
//     u8 id (F_*), u8 type (T_*), u16 byte length of the value, value bytes, zero padding

export const EVENTS_VERSION = 1;

export const REC_HEADER_SIZE = 24;
export const REC_OFF_KIND = 0;
export const REC_OFF_LENGTH = 2;
export const REC_OFF_FRAME = 4;
export const REC_OFF_TS = 8;
export const REC_OFF_STREAM = 16;
export const REC_OFF_TSDIGITS = 20;
export const REC_OFF_FLAGS = 21;
export const FIELD_HEADER_SIZE = 4;

// Record flags
export const REC_FLAG_FROM_CLIENT = 1; // sent by the side that opened the flow (sent the SYN, or first seen)
export const REC_FLAG_IPV6 = 2;

// Field value types
export const T_U32 = 1; // little-endian u32
export const T_U64 = 2; // little-endian u64
export const T_STR = 3; // bytes of an ASCII/UTF-8 (or OEM) string
export const T_UTF16 = 4; // UTF-16LE bytes, as on the wire
export const T_BYTES = 5; // raw bytes (addresses, GUIDs)
export const T_I64 = 6; // little-endian i64

// Record kinds
export const EV_CAPTURE = 1; // one per section/interface change: F_FORMAT, F_LINKTYPE, F_IFACE, F_TSRESOL
export const EV_WARNING = 2; // F_CODE (W_*), F_OFFSET, F_VALUE, F_VALUE2: damaged or odd input, decoding went on
export const EV_ERROR = 3; // F_CODE (E_*), F_OFFSET, F_VALUE, F_VALUE2: decoding of the file stopped here
export const EV_TCP = 4; // TCP control: F_TCP_FLAGS, F_SEQ, F_ACK, F_LEN, addresses, F_DELAY_NS for bare ACKs
export const EV_NBSS = 5; // NetBIOS session service: F_NBSS_TYPE, F_NB_CALLED, F_NB_CALLING, F_NB_ERROR
export const EV_SMB1 = 6; // one SMB1 command (AndX chains give one record per command)
export const EV_SMB2 = 7; // one SMB2/3 message (compounds give one record per message)
export const EV_SMB_TRANSFORM = 8; // SMB3 TRANSFORM header (encrypted): F_SESSION_ID, F_LEN
export const EV_SMB_COMPRESSED = 9; // SMB3 compression transform header: F_LEN (OriginalCompressedSegmentSize), F_VALUE (algorithm), F_VALUE2 (flags: 1 chained), F_DECOMPRESSED when decompressed (its EV_SMB2 records follow)
export const EV_KRB = 10; // one Kerberos message on port 88 (UDP or TCP)
export const EV_GAP = 11; // bytes missing from a reassembled flow: F_LEN, F_SEQ
export const EV_SUMMARY = 12; // end of input: F_PACKETS, F_BYTES, F_TCP_PORTS, F_UDP_PORTS, counters

// Field ids
export const F_FORMAT = 1; // u32 FMT_*
export const F_LINKTYPE = 2; // u32 DLT/LINKTYPE number
export const F_IFACE = 3; // u32 interface id (pcapng) or 0
export const F_TSRESOL = 4; // u32 raw if_tsresol byte (pcap: 6 or 9)
export const F_CODE = 5; // u32 warning/error code
export const F_OFFSET = 6; // u64 byte offset in the file
export const F_VALUE = 7; // u64 a number that explains the warning/error
export const F_VALUE2 = 8; // u64 a second one
export const F_SRC_IP = 9; // bytes (4 or 16)
export const F_DST_IP = 10; // bytes (4 or 16)
export const F_SRC_PORT = 11; // u32
export const F_DST_PORT = 12; // u32
export const F_TCP_FLAGS = 13; // u32 TCP flag bits (FIN=1 SYN=2 RST=4 PSH=8 ACK=16 URG=32 ECE=64 CWR=128)
export const F_SEQ = 14; // u32
export const F_ACK = 15; // u32
export const F_LEN = 16; // u32 a length (payload, message, gap)
export const F_DELAY_NS = 17; // u64 delay since the request that a bare ACK follows
export const F_NBSS_TYPE = 18; // u32 NBSS packet type
export const F_NB_CALLED = 19; // str first-level-decoded NetBIOS called name
export const F_NB_CALLING = 20; // str NetBIOS calling name
export const F_NB_ERROR = 21; // u32 negative session response error code
export const F_CMD = 22; // u32 SMB command
export const F_RESPONSE = 23; // u32 1 = response
export const F_STATUS = 24; // u32 NTSTATUS (SMB1 DOS errors are F_DOS_CLASS/F_DOS_CODE)
export const F_MSG_ID = 25; // u64 (SMB1: the header's MID)
export const F_SESSION_ID = 26; // u64 (SMB1: the header's UID)
export const F_TREE_ID = 27; // u32 (SMB1: the header's TID)
export const F_ASYNC_ID = 28; // u64 (async header)
export const F_SMB_FLAGS = 29; // u32 SMB2 header flags, or SMB1 Flags | Flags2 << 8
export const F_CREDITS = 30; // u32 credit charge << 16 | credits requested/granted
export const F_DIALECTS = 31; // bytes: SMB2 u16 LE dialect list as on the wire; SMB1: NUL-separated names
export const F_DIALECT = 32; // u32 SMB2 dialect revision of a NEGOTIATE response, SMB1 chosen index
export const F_SEC_MODE = 33; // u32 security mode
export const F_CAPS = 34; // u32 capabilities
export const F_GUID = 35; // bytes 16: client GUID / server GUID
export const F_CIPHERS = 36; // bytes: u16 LE cipher ids (ENCRYPTION_CAPABILITIES context)
export const F_HASH_ALGS = 37; // bytes: u16 LE preauth integrity hash ids
export const F_COMPRESSION = 38; // bytes: u16 LE compression algorithm ids
export const F_SIGNING_ALGS = 39; // bytes: u16 LE signing algorithm ids
export const F_NETNAME = 40; // utf16 NETNAME_NEGOTIATE_CONTEXT_ID server name
export const F_CONTEXTS = 41; // bytes: u16 LE negotiate context types seen, in order
export const F_SESSION_FLAGS = 42; // u32 SESSION_SETUP request Flags or response SessionFlags
export const F_BLOB_LEN = 43; // u32 security blob length (SMB2 SESSION_SETUP / NEGOTIATE, SMB1 extended security)
export const F_TREE = 44; // utf16 (SMB2) or str (SMB1 OEM) UNC path of a tree connect
export const F_SHARE_TYPE = 45; // u32
export const F_SHARE_FLAGS = 46; // u32
export const F_SHARE_CAPS = 47; // u32
export const F_MAX_ACCESS = 48; // u32
export const F_NEXT_CMD = 49; // u32 offset of the next compounded message (0 = last)
export const F_DOS_CLASS = 50; // u32 SMB1 DOS error class (when not NT status)
export const F_DOS_CODE = 51; // u32 SMB1 DOS error code
export const F_TRUNCATED = 52; // u32 1 = the message was cut (capture snaplen or keep limit) before this point
export const F_ACCOUNT = 53; // utf16/str SMB1 SESSION_SETUP_ANDX account name (non-extended security)
export const F_PRIMARY_DOMAIN = 54; // utf16/str SMB1 SESSION_SETUP_ANDX domain
export const F_ACTION = 55; // u32 SMB1 SESSION_SETUP_ANDX Action (bit 0 = guest)
export const F_PACKETS = 56; // u64 packet records read
export const F_BYTES = 57; // u64 bytes read
export const F_TCP_PORTS = 58; // bytes: up to 10 × (u16 port, u32 packets) LE: busiest TCP ports
export const F_UDP_PORTS = 59; // bytes: same for UDP
export const F_IP_FRAGMENTS = 60; // u64 IPv4/IPv6 fragments counted
export const F_TRANSPORT = 61; // u32 PROTO_TCP / PROTO_UDP
export const F_KRB_MSG_TYPE = 62; // u32 Kerberos msg-type (10 AS-REQ … 30 KRB-ERROR, 14 AP-REQ, 15 AP-REP)
export const F_KRB_ERROR = 63; // u32 error-code of KRB-ERROR
export const F_KRB_REALM = 64; // str realm (crealm/realm of the message)
export const F_KRB_CNAME = 65; // str client principal name components joined by '/'
export const F_KRB_SNAME = 66; // str service principal name components joined by '/'
export const F_KRB_ETYPES = 67; // bytes: i32 LE etypes offered (KDC-REQ) or chosen (enc-part of a reply)
export const F_KRB_PADATA = 68; // bytes: i32 LE padata types
export const F_KRB_ETEXT = 69; // str e-text of KRB-ERROR
export const F_KRB_STIME = 70; // str KerberosTime stime of KRB-ERROR (GeneralizedTime text)
export const F_KRB_CTIME = 71; // str ctime/till time text
export const F_KRB_KVNO = 72; // u32 kvno of the ticket / enc-part
export const F_MECH = 73; // u32 MECH_* of a security blob
export const F_MECH_TYPES = 74; // bytes: u8 MECH_* list from a NegTokenInit
export const F_NEG_STATE = 75; // u32 SPNEGO negState (0 accept-completed, 1 accept-incomplete, 2 reject, 3 request-mic)
export const F_NTLM_TYPE = 76; // u32 NTLMSSP message type 1/2/3
export const F_NTLM_FLAGS = 77; // u32 NegotiateFlags
export const F_NTLM_USER = 78; // utf16 or str (per NTLMSSP_NEGOTIATE_UNICODE)
export const F_NTLM_DOMAIN = 79;
export const F_NTLM_HOST = 80;
export const F_NTLM_TARGET = 81; // CHALLENGE TargetName
export const F_NTLM_NB_COMPUTER = 82; // AV pair MsvAvNbComputerName (utf16)
export const F_NTLM_NB_DOMAIN = 83;
export const F_NTLM_DNS_COMPUTER = 84;
export const F_NTLM_DNS_DOMAIN = 85;
export const F_NTLM_SPN = 86; // AV pair MsvAvTargetName in AUTHENTICATE (utf16)
export const F_NTLM_AV_FLAGS = 87; // u32 MsvAvFlags
export const F_NTLM_VERSION = 88; // u32 1 = NTLMv1, 2 = NTLMv2, 0 = anonymous (empty responses)
export const F_NTLM_MIC = 89; // u32 1 = MIC present
export const F_NTLM_TIMESTAMP = 90; // u64 MsvAvTimestamp (FILETIME)
export const F_BLOB_ERROR = 91; // u32 AL_* << 8 | AE_* (assembly/proto/auth/errors.ts): the blob could not be decoded
export const F_GAP_RESYNC = 92; // u32 1 = the framer found the next NBSS/SMB header after a gap
export const F_FLOW_PROTO = 93; // u32 FLOWP_* what the flow carries
export const F_KRB_PATH = 94; // u32 1 = Kerberos token inside an SMB/GSS blob (not on port 88)
export const F_KRB_SNAME_REALM = 95; // str realm of the sname (TGS-REQ realm)
export const F_KRB_ETYPE = 96; // u32 etype chosen (enc-part of a ticket/reply)
export const F_KRB_ERR_DATA = 97; // bytes: i32 LE padata types carried in e-data
export const F_SERVER_TIME = 98; // u64 FILETIME of SMB2 NEGOTIATE response SystemTime
export const F_ANDX = 99; // u32 SMB1 AndXCommand of this command's AndX block (0xFF = end of chain)
// 150–199: summary and model fields (100–149 are the auth decoders')
export const F_FIRST_TS = 150; // i64 ns timestamp of the first packet with a timestamp
export const F_LAST_TS = 151; // i64 ns timestamp of the last packet
// SMB1 header PID (PIDHigh << 16 | PIDLow): with MID, UID (F_SESSION_ID), TID (F_TREE_ID) and the
// command it pairs a response with its request (MS-CIFS 3.2.5.1; added with issue 14)
export const F_SMB1_PID = 160;
export const F_TUNNEL_PACKETS = 161; // u64 packets decoded from inside GRE/ERSPAN/VXLAN/Geneve (assembly/net/tunnel.ts)
export const F_TUNNELS = 162; // u32 TUN_* bits (assembly/wire.ts) of the tunnels seen
export const F_NETBEUI_FRAMES = 163; // u64 802.2 LLC frames to NetBIOS SAP 0xF0 (NetBIOS Frames / NetBEUI): not analysed
export const F_IPX_SMB_FRAMES = 164; // u64 IPX packets to or from the NetBIOS / NWLink SMB sockets: not analysed
// Windows-native captures (issue 17)
export const F_WIN_NAME = 165; // utf16 a pktmon component's name and description ("netvsc.sys, Microsoft Hyper-V Network Adapter #3")
// ICMP destination unreachable (added with issue 13): who refused what. The record's F_SRC_IP is
// the ICMP sender, F_DST_IP its receiver; the quoted packet (RFC 792 / RFC 4443: the offending
// IP header and its first 8 payload bytes) gives the connection or Kerberos request refused. A
// quoted request is never decoded as a new message.
export const F_ICMP_TYPE = 166; // u32 ICMP type (v4: 3 destination unreachable; v6: 1)
export const F_ICMP_CODE = 167; // u32 ICMP code (v4 3 port unreachable, 13 administratively prohibited, …)
export const F_QUOTED_PROTO = 168; // u32 IP protocol of the quoted packet (PROTO_TCP / PROTO_UDP)
export const F_QUOTED_SRC_IP = 169; // bytes (16, IPv4 as ::ffff:a.b.c.d) source of the quoted packet
export const F_QUOTED_DST_IP = 170; // bytes (16) destination of the quoted packet
export const F_QUOTED_SRC_PORT = 171; // u32
export const F_QUOTED_DST_PORT = 172; // u32
// pktmon drops and component rundown (issue 17, assembly/capture/pktmonEvents.ts)
export const F_PKTMON_COMPONENT = 173; // u32 pktmon component id
export const F_PKTMON_EVENT = 174; // u32 the pktmon event id an EV_PKTMON_INFO comes from (20, 30, 65, 66, 70)
export const F_WIN_DESC = 175; // utf16 a pktmon component's description (event 20)
export const F_PKTMON_ADDR = 176; // bytes: 4 (event 65) or 16 (66) address bytes, or a property's bytes (70: the MAC)
export const F_DROP_REASON = 177; // u32 PKTMON_DROP_REASON
export const F_DROP_LOCATION = 178; // u32 PKTMON_DROP_LOCATION
export const F_PKTMON_DIR = 179; // u32 PKTMON_DIRECTION_TAG of the copy
export const F_SMB_VERSION = 180; // u32 what a dropped segment started with: 1 SMB1, 2 SMB2/3 (F_CMD, F_RESPONSE), 3 an encrypted SMB3 message
// Beyond the setup (added with issue 13): in diagnosis mode a CREATE request gives its name, an
// IOCTL asking for a DFS referral its CtlCode and path, and of the other commands' responses only
// those answered STATUS_USER_SESSION_DELETED or STATUS_PATH_NOT_COVERED (and the answers to a
// DFS referral) become events (assembly/proto/smb2.ts, beyondSetup).
export const F_CREATE_NAME = 181; // utf16 SMB2 CREATE request file name, as on the wire (relative to the share, or a DFS path)
export const F_CTL_CODE = 182; // u32 SMB2 IOCTL CtlCode (request, or a response with its body)
export const F_DFS_PATH = 183; // utf16 REQ_GET_DFS_REFERRAL RequestFileName (MS-DFSC 2.2.2) of an FSCTL_DFS_GET_REFERRALS
// QUIC (added with issue 13: SMB over QUIC). assembly/net/quic.ts keeps the first QUIC_KEEP_DATAGRAMS
// long-header datagrams of each QUIC flow whole (the Initial packets TypeScript decrypts with the keys
// RFC 9001 5.2 derives from the client's Destination Connection ID), and only counts the rest.
export const F_QUIC_DATAGRAM = 184; // bytes: the UDP payload (at most QUIC_KEEP_BYTES of it; F_LEN = its whole length)
export const F_QUIC_COUNTS = 185; // bytes: 4 × u32 LE — long-header datagrams from the client, from the server, short-header (1-RTT) from the client, from the server
export const F_QUIC_EVICTED = 186; // u64 (EV_SUMMARY) QUIC flows that gave their place in the full QUIC flow table to a newer one (their EV_QUIC_FLOW came early; a later datagram of theirs starts a new entry)
// 190–199: SMB3 decryption (issue 18). Written only while the caller has turned decryption on
// (setDecryptMode): the --events view never shows them, and the analysis path without secrets
// never decodes them. What the decrypt stage (src/core/decrypt/session.ts) needs and nothing more.
export const F_RAW = 190; // bytes: an SMB message as on the wire, in EV_SMB_RAW (see there)
export const F_NTLM_CHALLENGE = 191; // bytes 8: CHALLENGE ServerChallenge (MS-NLMP 2.2.1.2)
export const F_NTLM_NT_RESPONSE = 192; // bytes: AUTHENTICATE NtChallengeResponse (MS-NLMP 2.2.1.3): for the password check only, never shown
export const F_NTLM_SESSION_KEY = 193; // bytes: AUTHENTICATE EncryptedRandomSessionKey (empty field: absent)
export const F_DECOMPRESSED = 200; // u32 (EV_SMB_COMPRESSED) bytes of the SMB2 message decompressed from it (MS-SMB2 3.1.5.3, 3.3.5.2.1.2); its EV_SMB2 records follow. Absent: not decompressed (its OriginalCompressedSegmentSize is over SMB_DECOMPRESS_MAX, bulk data, or a W_SMB_DECOMPRESS warning follows)
export const MAX_FIELD_ID = 200;

// F_FORMAT values
export const FMT_PCAP = 1;
export const FMT_PCAP_NS = 2;
export const FMT_PCAPNG = 3;
export const FMT_NETMON = 4; // Network Monitor 2.x .cap
export const FMT_ETL = 5; // Windows event trace (netsh trace, pktmon)

// F_TRANSPORT values
export const PROTO_TCP = 6;
export const PROTO_UDP = 17;

// F_FLOW_PROTO values
export const FLOWP_SMB = 1;
export const FLOWP_KRB = 2;

// F_MECH values
export const MECH_UNKNOWN = 0;
export const MECH_NTLM = 1;
export const MECH_KERBEROS = 2; // RFC 4121 1.2.840.113554.1.2.2
export const MECH_MS_KERBEROS = 3; // 1.2.840.48018.1.2.2
export const MECH_NEGOEX = 4; // 1.3.6.1.4.1.311.2.2.30
export const MECH_SPNEGO = 5; // a NegTokenInit offering mechanisms (e.g. in a NEGOTIATE response)
export const MECH_KRB_U2U = 6;

// EV_WARNING codes
export const W_TRUNCATED_RECORD = 1; // the last record is cut short by the end of the file (VALUE = bytes present, VALUE2 = bytes needed, 0 when even its length field is cut)
export const W_UNKNOWN_LINKTYPE = 2; // VALUE = link type; packets on it counted but not decoded
export const W_SNAPLEN_CUT = 3; // caplen < len (VALUE = caplen, VALUE2 = len): first warning only
export const W_UNKNOWN_BLOCK = 4; // pcapng block type skipped (VALUE = type)
export const W_BAD_INTERFACE = 5; // pcapng packet for an interface id that no IDB declared (VALUE = id)
export const W_LOST_SEGMENTS = 6; // reassembly gap (also EV_GAP)
export const W_FLOW_TABLE_FULL = 7; // flow table pruned (VALUE = flows dropped)
export const W_REASM_SLOTS_FULL = 8; // too many concurrent SMB/Kerberos flows; oldest evicted
export const W_MALFORMED = 9; // a protocol header could not be parsed (VALUE = PROTO_*/ layer code)
export const W_HUGE_SNAPLEN = 10; // header snaplen implausible (VALUE = snaplen) — ignored, records still read
export const W_BAD_TSRESOL = 11;
export const W_OOO_OVERFLOW = 12;
export const W_PB_OBSOLETE = 13; // obsolete pcapng Packet Block seen (read as EPB)
export const W_SHB_VERSION = 14; // a section header with an unknown major version: rest of the file not read
export const W_TS_OVERFLOW = 15; // a pcapng timestamp (with if_tsresol, if_tsoffset) does not fit i64 nanoseconds (VALUE = interface id, VALUE2 = its if_tsoffset seconds, as i64 bits): the packet gets no timestamp (first one per interface)

// EV_ERROR codes
export const E_NOT_A_CAPTURE = 1; // VALUE = first 4 bytes (big-endian), VALUE2 = next 4
export const E_EMPTY = 2;
export const E_BAD_BLOCK_LENGTH = 3; // VALUE = block type, VALUE2 = stated length
export const E_RECORD_TOO_LARGE = 4; // VALUE = stated caplen/block length, VALUE2 = the limit
export const E_TRUNCATED_HEADER = 5; // the file ends inside its file header
export const E_BAD_SHB = 6; // section header block malformed (VALUE = byte-order magic)
export const E_NETMON = 7; // Microsoft Network Monitor .cap
export const E_ETL = 8; // Windows ETW trace (.etl, pktmon/netsh trace)
export const E_SNOOP = 9;
// Windows-native captures (issue 17): 40–59 warnings, 20–39 errors
export const E_NETMON_HEADER = 20; // VALUE = frame table offset, VALUE2 = its length (not a multiple of 4, or beyond the file)
export const E_ETL_HEADER = 21; // the first buffer holds no readable logfile header (VALUE = what was found)
export const E_ETL_BUFFER = 22; // a buffer header is unusable (VALUE = stated size, VALUE2 = the limit)
export const E_ETL_TOO_MANY_BUFFERS = 23; // VALUE = the limit
export const E_ETL_TOO_MANY_CPUS = 24; // buffers of more processors than can be merged at once (VALUE = the limit)
export const E_ETL_HUFF_CPUS = 25; // XPRESS Huffman buffers of more processors than fit the merge's memory with their 64 KiB history (VALUE = processors, VALUE2 = the most that fit)
export const W_FRAME_TABLE_CUT = 40; // the frame table ends early (VALUE = entries present, VALUE2 = stated)
export const W_BAD_FRAME = 41; // a frame-table entry points outside the file or at a damaged record (VALUE = frame number, VALUE2 = its offset); first only, F_VALUE... counted
export const W_NOT_PACKETS = 42; // frames that carry no packet (NetMon network info, filters, events of other providers): VALUE = count
export const W_ETL_DECOMPRESS = 43; // a compressed buffer does not decompress (VALUE = buffer offset... in F_OFFSET, VALUE = bytes produced, VALUE2 = expected)
export const W_ETL_BAD_RECORD = 44; // a record inside a buffer is malformed; rest of the buffer skipped (VALUE = record offset in the buffer)
export const W_ETL_CPU = 45; // a buffer's processor index is beyond NumberOfProcessors (VALUE = index, VALUE2 = processors); read anyway
export const W_ETL_LOST = 46; // the logger lost events or buffers (VALUE = events lost, VALUE2 = buffers lost)
export const W_PKTMON_COPIES = 47; // pktmon: packets logged once per component; VALUE = component analysed, VALUE2 = copies skipped (F_NAME: component name)
export const W_PKTMON_DROPS = 48; // pktmon dropped packets (event 170): VALUE = count, VALUE2 = the first one's drop reason (each drop is also an EV_PKTMON_DROP)
export const W_SMB_DECOMPRESS = 70; // a compressed SMB2 message (MS-SMB2 2.2.42) does not decompress, skipped: F_OFFSET = byte in the message, VALUE = DC_* reason, VALUE2 = the size its header states (OriginalCompressedSegmentSize, or a chained payload's OriginalPayloadSize)
// W_SMB_DECOMPRESS reasons
export const DC_CUT = 1; // a header or payload runs past the end of the message (truncated)
export const DC_INVALID = 2; // the compressed stream is invalid (a match before the start of the output, a cut token)
export const DC_SHORT = 3; // it decompresses to fewer bytes than stated
export const DC_LONG = 4; // it decompresses to more bytes than stated (a lying size, or a decompression bomb stopped at the stated size)
export const DC_ALGORITHM = 5; // an algorithm this decoder does not read (LZ4, or unknown)
export const DC_NOT_SMB2 = 6; // what it decompresses to is not an SMB2 message
export const W_ETL_COMPRESSION = 49; // buffers compressed with a format other than XPRESS, LZNT1 and XPRESS Huffman (VALUE = format), skipped

// Malformed-layer codes for W_MALFORMED VALUE
export const L_NBSS = 1;
export const L_SMB1 = 2;
export const L_SMB2 = 3;
export const L_KRB = 4;
export const L_LINK = 5;
export const L_IP = 6;
export const L_TCP = 7;

// Added kinds
export const EV_ICMP = 15; // an ICMP/ICMPv6 destination unreachable: F_SRC_IP, F_DST_IP, F_ICMP_TYPE, F_ICMP_CODE, F_QUOTED_*
export const EV_FLOW = 14; // a flow the decoder reassembles (SMB, NBSS or Kerberos): client/server
//                            addresses and ports (F_SRC_* = client), F_FLOW_PROTO, F_VALUE 1 = started
//                            mid-connection (no SYN seen)
export const EV_PKTMON_DROP = 17; // a pktmon drop (event 170): F_PKTMON_COMPONENT, F_DROP_REASON, F_DROP_LOCATION, F_PKTMON_DIR,
//                            and what was dropped: F_SRC_IP, F_DST_IP, F_TRANSPORT, ports, F_TCP_FLAGS, F_LEN, F_SMB_VERSION/F_CMD/F_RESPONSE or F_KRB_MSG_TYPE
export const EV_PKTMON_INFO = 18; // a pktmon rundown event: F_PKTMON_COMPONENT, F_PKTMON_EVENT, F_VALUE (type), F_VALUE2 (30's value),
//                            F_WIN_NAME + F_WIN_DESC (20), F_PKTMON_ADDR (65, 66, 70)
// Decryption mode only (setDecryptMode): the bytes of an SMB2 NEGOTIATE or SESSION_SETUP message
// (the 3.1.1 pre-auth integrity hash is computed over them, MS-SMB2 3.2.5.2) right after its
// EV_SMB2 record, and of each SMB2 TRANSFORM message right after its EV_SMB_TRANSFORM record:
// whole up to TRANSFORM_WHOLE_MAX bytes (assembly/proto/smb.ts says why), otherwise its 52-byte
// header and TRANSFORM_PEEK bytes of ciphertext (the SMB2 header inside). F_LEN the message's
// length on the wire, F_RAW its bytes (absent when they do not fit one record), F_TRUNCATED when
// F_RAW holds fewer than F_LEN bytes.
export const EV_SMB_RAW = 20;
export const EV_QUIC = 21; // a QUIC datagram of a flow that began with a client Initial (RFC 9000 17.2.2): F_SRC_*/F_DST_* of
//                            this datagram, REC_FLAG_FROM_CLIENT, F_LEN, F_QUIC_DATAGRAM (long-header datagrams only;
//                            the first QUIC_KEEP_SHORT short-header ones each way come without it, F_VALUE = 1)
export const EV_QUIC_FLOW = 22; // at the end of the file, one per QUIC flow: F_SRC_* = client, F_DST_* = server, F_QUIC_COUNTS,
//                            F_VALUE = frame of its first datagram
export const EV_NOT_SMB = 16; // an SMB flow whose peer answered with bytes that are not NBSS/SMB (another
//                            protocol on that port): F_LEN bytes seen, F_VALUE their first 4 bytes (big-endian)

// Auth fields added with issue 4 (SPNEGO / NTLMSSP / Kerberos decoding); numbers 100–149 belong to it.
export const F_KRB_MSG_TYPES = 100; // bytes: u8 every Kerberos msg-type in the record, wire order (tshark kerberos.msg_type: a TGS-REQ gives 12,14)
export const F_KRB_REALMS = 101; // str: every `realm` element (ticket, req-body, KRB-ERROR), wire order, NUL-separated (tshark kerberos.realm)
export const F_KRB_CNAMES = 102; // str: every cname (req-body, KDC-REP, KRB-ERROR), components joined by '/', NUL-separated (tshark kerberos.CNameString)
export const F_KRB_SNAMES = 103; // str: every sname (req-body, tickets, KRB-ERROR), as F_KRB_CNAMES (tshark kerberos.SNameString)
export const F_KRB_CREALM = 104; // str crealm of a KDC-REP or KRB-ERROR (client's realm)
export const F_KRB_CNAME_TYPE = 105; // u32 name-type of F_KRB_CNAME (1 principal, 10 enterprise, …)
export const F_KRB_SNAME_TYPE = 106; // u32 name-type of F_KRB_SNAME (2 srv-inst, 3 srv-hst, …)
export const F_KRB_KDC_OPTIONS = 107; // u32 KDCOptions bits of a KDC-REQ, bit 0 (reserved) as the MSB
export const F_KRB_EXT_STATUS = 108; // u32 NTSTATUS a Windows KDC put in e-data (MS-KILE 2.2.1 KERB-EXT-ERROR)
export const F_BLOB_ERR_OFFSET = 109; // u32 byte offset, from the blob / message start, where F_BLOB_ERROR was found
export const F_SPNEGO_MECH = 110; // u32 MECH_* supportedMech of a NegTokenResp (RFC 4178 4.2.2)
export const F_NEG_MIC = 111; // u32 1 = the SPNEGO token carries a mechListMIC
export const F_NTLM_DNS_TREE = 112; // utf16 AV pair MsvAvDnsTreeName (forest)
export const F_NTLM_OS_VERSION = 113; // u32 NTLMSSP VERSION: major | minor << 8 | build << 16
