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
export const SMB2_COMPRESSED_ID = 0xfc;

// SMB2 commands (MS-SMB2 2.2.1)
export const SMB2_NEGOTIATE = 0x00;
export const SMB2_SESSION_SETUP = 0x01;
export const SMB2_LOGOFF = 0x02;
export const SMB2_TREE_CONNECT = 0x03;
export const SMB2_TREE_DISCONNECT = 0x04;
export const SMB2_CREATE = 0x05;
export const SMB2_READ = 0x08;
export const SMB2_WRITE = 0x09;

// SMB2 header flags
export const SMB2_FLAGS_RESPONSE = 0x00000001;
export const SMB2_FLAGS_ASYNC = 0x00000002;
export const SMB2_FLAGS_RELATED = 0x00000004;
export const SMB2_FLAGS_SIGNED = 0x00000008;

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
export const SMB2_SHAREFLAG_ENCRYPT_DATA = 0x00008000;

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
