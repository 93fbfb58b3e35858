// Wire constants shared by the decoder (AssemblyScript) and src/ (TypeScript).
// Plain `export const` integers only, so both compilers read this file. Names for display live
// in src/core/names.ts, keyed by these numbers.

// Capture file magics (as read big-endian from the first 4 bytes)
export const PCAP_MAGIC_US = 0xa1b2c3d4;
export const PCAP_MAGIC_US_SWAPPED = 0xd4c3b2a1;
export const PCAP_MAGIC_NS = 0xa1b23c4d;
export const PCAP_MAGIC_NS_SWAPPED = 0x4d3cb2a1;
export const PCAPNG_SHB = 0x0a0d0d0a;
export const PCAPNG_BOM = 0x1a2b3c4d;
export const PCAPNG_BOM_SWAPPED = 0x4d3c2b1a;
export const NETMON_MAGIC = 0x474d4255; // "GMBU" (Network Monitor 2.x .cap)
export const NETMON1_MAGIC = 0x52545353; // "RTSS" (Network Monitor 1.x)
export const SNOOP_MAGIC = 0x736e6f6f; // "snoo"

// pcapng block types
export const BT_IDB = 1;
export const BT_PB = 2; // obsolete Packet Block
export const BT_SPB = 3;
export const BT_NRB = 4;
export const BT_ISB = 5;
export const BT_EPB = 6;
export const BT_DSB = 0x0a;
export const BT_CB = 0x00000bad;
export const BT_DCB = 0x40000bad;
export const OPT_IF_TSRESOL = 9;
export const OPT_IF_TSOFFSET = 14;

// Link types (LINKTYPE_* numbers, with the DLT_* aliases for raw IP that appear in files)
export const LT_NULL = 0;
export const LT_ETHERNET = 1;
export const LT_RAW = 101;
export const LT_RAW_DLT12 = 12;
export const LT_RAW_DLT14 = 14;
export const LT_LOOP = 108;
export const LT_LINUX_SLL = 113;
export const LT_IPV4 = 228;
export const LT_IPV6 = 229;
export const LT_LINUX_SLL2 = 276;

// EtherTypes
export const ETH_IPV4 = 0x0800;
export const ETH_IPV6 = 0x86dd;
export const ETH_VLAN = 0x8100;
export const ETH_QINQ = 0x88a8;
export const ETH_QINQ_OLD = 0x9100;

// Ports
export const PORT_SMB = 445;
export const PORT_NBSS = 139;
export const PORT_KERBEROS = 88;

// IP protocols and ICMP (RFC 792 3, RFC 1812 5.2.7.1, RFC 4443 3.1)
export const IPPROTO_ICMP = 1;
export const IPPROTO_ICMPV6 = 58;
export const ICMP_DEST_UNREACHABLE = 3;
export const ICMPV6_DEST_UNREACHABLE = 1;

// NBSS packet types (RFC 1002 4.3)
export const NBSS_MESSAGE = 0x00;
export const NBSS_REQUEST = 0x81;
export const NBSS_POSITIVE = 0x82;
export const NBSS_NEGATIVE = 0x83;
export const NBSS_RETARGET = 0x84;
export const NBSS_KEEPALIVE = 0x85;

// SMB protocol ids (first byte of the header; bytes 1..3 are "SMB")
export const SMB1_ID = 0xff;
export const SMB2_ID = 0xfe;
export const SMB2_TRANSFORM_ID = 0xfd;
// Bytes of an SMB message other than a setup command, an error or a compound chain that the
// reassembler keeps (assembly/proto/smb.ts smbKeep): enough for a chain of small messages. The
// decrypt stage (src/core/decrypt/session.ts) decrypts a TRANSFORM message whole up to this size.
export const SMB_KEEP_OTHER = 4096;
export const SMB2_COMPRESSED_ID = 0xfc;
// SMB2 compression (MS-SMB2 2.2.3.1.3 algorithm ids, 2.2.42 flags)
export const SMB2_COMPRESSION_NONE = 0;
export const SMB2_COMPRESSION_LZNT1 = 1;
export const SMB2_COMPRESSION_LZ77 = 2;
export const SMB2_COMPRESSION_LZ77_HUFFMAN = 3;
export const SMB2_COMPRESSION_PATTERN_V1 = 4;
export const SMB2_COMPRESSION_FLAG_CHAINED = 1;
// The largest compressed message decompressed (assembly/proto/smb2compress.ts; src/core/decrypt/session.ts
// decrypts a compressed TRANSFORM whole up to it): a setup message or an error fits with room, as
// in the decrypt stage's TRANSFORM_WHOLE_MAX; compressed READ/WRITE bulk stays a header record.
export const SMB_DECOMPRESS_MAX = 64 << 10;

// SMB2 commands (MS-SMB2 2.2.1)
export const SMB2_NEGOTIATE = 0x00;
export const SMB2_SESSION_SETUP = 0x01;
export const SMB2_LOGOFF = 0x02;
export const SMB2_TREE_CONNECT = 0x03;
export const SMB2_TREE_DISCONNECT = 0x04;
export const SMB2_CREATE = 0x05;
export const SMB2_IOCTL = 0x0b;
export const SMB2_READ = 0x08;
export const SMB2_WRITE = 0x09;

// SMB2 header flags
export const SMB2_FLAGS_RESPONSE = 0x00000001;
export const SMB2_FLAGS_ASYNC = 0x00000002;
export const SMB2_FLAGS_RELATED = 0x00000004;
export const SMB2_FLAGS_SIGNED = 0x00000008;
export const SMB2_FLAGS_DFS_OPERATIONS = 0x10000000; // the request's path is a DFS path (MS-SMB2 2.2.1.2)

// SMB2 negotiate contexts (MS-SMB2 2.2.3.1)
export const NC_PREAUTH_INTEGRITY = 1;
export const NC_ENCRYPTION = 2;
export const NC_COMPRESSION = 3;
export const NC_NETNAME = 5;
export const NC_TRANSPORT = 6;
export const NC_RDMA = 7;
export const NC_SIGNING = 8;

// SMB2 security mode / capabilities / flags
export const SMB2_SIGNING_ENABLED = 0x01;
export const SMB2_SIGNING_REQUIRED = 0x02;
export const SMB2_CAP_ENCRYPTION = 0x40;
export const SMB2_SESSION_FLAG_IS_GUEST = 0x01;
export const SMB2_SESSION_FLAG_IS_NULL = 0x02;
export const SMB2_SESSION_FLAG_ENCRYPT_DATA = 0x04;
export const SMB2_SESSION_FLAG_BINDING = 0x01; // SESSION_SETUP request Flags (MS-SMB2 2.2.5): bind to an existing session
export const SMB2_SHAREFLAG_ENCRYPT_DATA = 0x00008000;
export const SMB2_SHAREFLAG_DFS = 0x00000001; // TREE_CONNECT response ShareFlags (MS-SMB2 2.2.10): the share is in a DFS namespace
export const SMB2_SHAREFLAG_DFS_ROOT = 0x00000002; // … and is a DFS root
// FSCTLs of an SMB2 IOCTL (MS-SMB2 2.2.31, MS-DFSC 2.2.2): ask for a DFS referral
export const FSCTL_DFS_GET_REFERRALS = 0x00060194;
export const FSCTL_DFS_GET_REFERRALS_EX = 0x000601b0;

// SMB1 commands (MS-CIFS 2.2.2.1)
export const SMB1_NEGOTIATE = 0x72;
export const SMB1_SESSION_SETUP_ANDX = 0x73;
export const SMB1_LOGOFF_ANDX = 0x74;
export const SMB1_TREE_CONNECT_ANDX = 0x75;
export const SMB1_NO_ANDX = 0xff;
export const SMB1_FLAGS2_EXTENDED_SECURITY = 0x0800;
export const SMB1_FLAGS2_NT_STATUS = 0x4000;
export const SMB1_FLAGS2_UNICODE = 0x8000;
export const SMB1_FLAGS_REPLY = 0x80;

// NTSTATUS values the decoder itself tests
export const STATUS_SUCCESS = 0;
export const STATUS_PENDING = 0x00000103;
export const STATUS_MORE_PROCESSING_REQUIRED = 0xc0000016;
/** a session's authentication expired: the client re-authenticates it (MS-SMB2 3.2.5.1.6, 3.3.5.2.9) */
export const STATUS_NETWORK_SESSION_EXPIRED = 0xc000035c;
/** the server holds no session with the request's SessionId (MS-SMB2 3.3.5.2.9) */
export const STATUS_USER_SESSION_DELETED = 0xc0000203;
/** the path is in a part of the DFS namespace this server does not hold: ask for a referral (MS-DFSC 3.1.5.1) */
export const STATUS_PATH_NOT_COVERED = 0xc0000257;

// Tunnels decapsulated by assembly/net/tunnel.ts
export const IPPROTO_GRE = 47;
export const ETH_TEB = 0x6558; // GRE/Geneve: transparent Ethernet bridging (gretap), an Ethernet frame follows
export const ETH_ERSPAN_1_2 = 0x88be; // GRE: ERSPAN type I (no GRE sequence number) or type II
export const ETH_ERSPAN_3 = 0x22eb; // GRE: ERSPAN type III
export const PORT_VXLAN = 4789; // RFC 7348
export const PORT_GENEVE = 6081; // RFC 8926
// Tunnel kinds (bits of the summary's F_TUNNELS)
export const TUN_GRE = 1; // GRE carrying IP
export const TUN_GRETAP = 2; // GRE carrying Ethernet
export const TUN_ERSPAN1 = 4;
export const TUN_ERSPAN2 = 8;
export const TUN_ERSPAN3 = 16;
export const TUN_VXLAN = 32;
export const TUN_GENEVE = 64;

// Transports SMB ran over before TCP/IP (counted, not analysed)
export const ETH_IPX = 0x8137;
export const LLC_SAP_NETBIOS = 0xf0; // IEEE 802.2 SAP of NetBIOS Frames (NetBEUI)
export const LLC_SAP_IPX = 0xe0;
export const LLC_SAP_SNAP = 0xaa;
export const IPX_SOCKET_NETBIOS = 0x0455;
export const IPX_SOCKET_SMB_FIRST = 0x0550; // NWLink SMB server … browse (0x0550–0x0555)
export const IPX_SOCKET_SMB_LAST = 0x0555;

// Windows-native captures (assembly/capture/netmon.ts, etl.ts, etwPacket.ts; ../shared/knowledge/windows-capture-formats.md)
// Network Monitor 2.x: the 128-byte file header and the per-frame network types that are not link types
export const NETMON_HDR_SIZE = 128;
export const NETMON_OFF_VERSION = 4; // u8 minor, u8 major
export const NETMON_OFF_NETWORK = 6; // u16
export const NETMON_OFF_START = 8; // SYSTEMTIME (8 × u16)
export const NETMON_OFF_TABLE = 24; // u32 frame table offset, u32 its length in bytes
export const NETMON_REC_HDR = 16; // u64 ts_delta (µs), u32 orig_len, u32 incl_len
export const NETMON1_REC_HDR = 8; // 1.x: u32 ts_delta (ms), u16 orig_len, u16 incl_len (Wireshark netmon.c netmonrec_1_x_hdr)
export const NETMON_NET_NETEVENT = 0xffe0; // an ETW event (EVENT_RECORD layout) instead of a packet
export const NETMON_NET_PCAP_BASE = 0xe000; // 0xE000 | LINKTYPE: a frame converted from pcap
export const NETMON_NET_MA_FIRST = 0xe080; // Message Analyzer's own types (WFP captures, ...)
export const NETMON_NET_MA_LAST = 0xe08a;
export const NETMON_NET_SPECIAL = 0xfff0; // 0xFFF0–0xFFFF: network info, payload header, DNS cache, filter
// NetEvent frames: EVENT_RECORD as NetMon stores it (Wireshark epan/dissectors/packet-netmon.c)
export const NETEV_OFF_TIMESTAMP = 16; // u64 FILETIME
export const NETEV_OFF_PROVIDER = 24; // GUID
export const NETEV_OFF_EVENT_ID = 40; // u16
export const NETEV_OFF_KEYWORD = 48; // u64
export const NETEV_OFF_EXT_COUNT = 84; // u16
export const NETEV_OFF_USER_LEN = 86; // u16
export const NETEV_HDR_SIZE = 89; // then extended items {u16, u16 type, u16, u16 size, data}, then user data
// Providers, as the four little-endian u32 of the GUID's 16 bytes on the wire
export const NDISCAP_GUID0 = 0x2ed6006e; // Microsoft-Windows-NDIS-PacketCapture {2ED6006E-4729-4609-B423-3EE7BCD678EF}
export const NDISCAP_GUID1 = 0x46094729;
export const NDISCAP_GUID2 = 0xe73e23b4;
export const NDISCAP_GUID3 = 0xef78d6bc;
export const PKTMON_GUID0 = 0x4d4f80d9; // Microsoft-Windows-PktMon {4D4F80D9-C8BD-4D73-BB5B-19C90402C5AC}
export const PKTMON_GUID1 = 0x4d73c8bd;
export const PKTMON_GUID2 = 0xc9195bbb;
export const PKTMON_GUID3 = 0xacc50204;
// ndiscap events: 1001 PacketFragment / 1003 VMSwitchPacketFragment {u32 MiniportIfIndex, u32 LowerIfIndex, ...}
export const NDISCAP_EV_FRAGMENT = 1001;
export const NDISCAP_EV_METADATA = 1002;
export const NDISCAP_EV_VMSWITCH = 1003;
export const NDISCAP_KW_80211 = 0x10000; // keyword bits (low 32 of the u64)
export const NDISCAP_KW_WWAN = 0x200;
// pktmon: 20 component {u16 Id, u16 Type, Name\0, Description\0 (UTF-16)}, 160 packet, 170 drop
export const PKTMON_EV_COMPONENT = 20; // {u16 Id, u16 Type, Name\0, Description\0}
export const PKTMON_EV_PROP_UINT = 30; // {u16 ComponentId, u16 property Type, u32 Value}: IfIndex (1), MiniportIfIndex (2), …
export const PKTMON_EV_PROP_IPV4 = 65; // {u16 ComponentId, u16 Type, 4 address bytes}
export const PKTMON_EV_PROP_IPV6 = 66; // {u16 ComponentId, u16 Type, 16 address bytes}
export const PKTMON_EV_PROP_BINARY = 70; // {u16 ComponentId, u16 Type, u32 Size, bytes}: PhysAddress (6) is the MAC
export const PKTMON_EV_PACKET = 160;
export const PKTMON_EV_DROP = 170;
export const PKTMON_HDR_SIZE = 34; // u64 PktGroupId, u16 PktNumber, u16 AppearanceCount, u16 DirTag, u16 PacketType, u16 ComponentId, u16 EdgeId, u16 FilterId, u32 DropReason, u32 DropLocation, u16 OriginalPayloadSize, u16 LoggedPayloadSize
export const PKTMON_OFF_PACKET_TYPE = 14; // 1 Ethernet, 2 802.11, 3 raw IP
export const PKTMON_OFF_DIR = 12; // PKTMON_DIRECTION_TAG: 1 In, 2 Out, 3 Rx, 4 Tx, 5 Ingress, 6 Egress
export const PKTMON_OFF_COMPONENT = 16;
export const PKTMON_OFF_DROP_REASON = 22; // PKTMON_DROP_REASON (src/core/pktmonDrops.ts names them)
export const PKTMON_OFF_DROP_LOCATION = 26; // PKTMON_DROP_LOCATION
export const PKTMON_OFF_ORIG_SIZE = 30;
export const PKTMON_OFF_LOGGED_SIZE = 32;
export const PKTMON_COMPONENT_MINIPORT = 2; // event 20 Type of a network adapter

// QUIC (RFC 9000, RFC 9369): versions whose Initial packets can be read (RFC 9001 5.2 / RFC 9369
// 3.3.1 give their initial salts), and the bounds of assembly/net/quic.ts.
export const QUIC_V1 = 0x00000001;
export const QUIC_V2 = 0x6b3343cf;
export const QUIC_MIN_INITIAL = 1200; // RFC 9000 14.1: a client's Initial datagram is at least this long
export const QUIC_FLOWS = 128; // QUIC flows followed at once
export const QUIC_KEEP_DATAGRAMS = 8; // long-header datagrams kept whole per flow (the handshake's first flights)
export const QUIC_KEEP_BYTES = 1500; // of each, at most this many bytes
export const QUIC_KEEP_SHORT = 4; // short-header (1-RTT) datagrams emitted per direction (frame and length only: their order against the Handshake packets tells whether the server took up 1-RTT)
