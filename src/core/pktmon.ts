// pktmon's own vocabulary: drop reasons, directions and component types, in the words a report
// shows. The one table of each.
//
// Drop reasons: PKTMON_DROP_REASON as Microsoft documents it for the Packet Monitor API
// (learn.microsoft.com/windows/win32/pktmon/packetmonitor/nf-packetmonitor-packetmonitorcreaterealtimestream,
// "PKTMON_DROP_REASON"), the values `pktmon format` prints for event 170. Microsoft's older
// Network Monitor parser (microsoft/NetMon_Parsers_for_PacketMon, 2018) numbers the general and
// NetVsc errors 101–104 / 201–204 where the API documents 201–204 / 401–404; the API's numbers,
// which current Windows writes, are the ones used here.
// Component types: PktMon_ComponentType of that parser (event 20's Type).

/** code → the enum name without its "PktMonDrop_" prefix */
const DROP_REASONS: Record<number, string> = {
  // matching VMS_PACKET_DROP_REASON (Hyper-V switch, NDIS)
  0: "Unknown", 1: "InvalidData", 2: "InvalidPacket", 3: "Resources", 4: "NotReady", 5: "Disconnected", 6: "NotAccepted",
  7: "Busy", 8: "Filtered", 9: "FilteredVLAN", 10: "UnauthorizedVLAN", 11: "UnauthorizedMAC", 12: "FailedSecurityPolicy",
  13: "FailedPvlanSetting", 14: "Qos", 15: "Ipsec", 16: "MacSpoofing", 17: "DhcpGuard", 18: "RouterGuard", 19: "BridgeReserved",
  20: "VirtualSubnetId", 21: "RequiredExtensionMissing", 22: "InvalidConfig", 23: "MTUMismatch", 24: "NativeFwdingReq",
  25: "InvalidVlanFormat", 26: "InvalidDestMac", 27: "InvalidSourceMac", 28: "InvalidFirstNBTooSmall", 29: "Wnv", 30: "StormLimit",
  31: "InjectedIcmp", 32: "FailedDestinationListUpdate", 33: "NicDisabled", 34: "FailedPacketFilter", 35: "SwitchDataFlowDisabled",
  36: "FilteredIsolationUntagged", 37: "InvalidPDQueue", 38: "LowPower",
  // general
  201: "Pause", 202: "Reset", 203: "SendAborted", 204: "ProtocolNotBound",
  // NetVsc
  401: "MicroportError", 402: "VfNotReady", 403: "MicroportNotReady", 404: "VMBusError",
  // TCP/IP framing layer
  601: "FL_LoopbackPacket", 602: "FL_InvalidSnapHeader", 603: "FL_InvalidEthernetType", 604: "FL_InvalidPacketLength",
  605: "FL_HeaderNotContiguous", 606: "FL_InvalidDestinationType", 607: "FL_InterfaceNotReady", 608: "FL_ProviderNotReady",
  609: "FL_InvalidLsoInfo", 610: "FL_InvalidUsoInfo", 611: "FL_InvalidMedium", 612: "FL_InvalidArpHeader", 613: "FL_NoClientInterface",
  // VFP (Azure / SDN virtual filtering platform)
  701: "ArpGuard", 702: "ArpLimiter", 703: "DhcpLimiter", 704: "BlockBroadcast", 705: "BlockNonIp", 706: "ArpFilter", 707: "Ipv4Guard",
  708: "Ipv6Guard", 709: "MacGuard", 710: "BroadcastNoDestinations", 711: "UnicastNoDestination", 712: "UnicastPortNotReady",
  713: "SwitchCallbackFailed", 714: "Icmpv6Limiter", 715: "Intercept", 716: "InterceptBlock", 717: "NDPGuard", 718: "PortBlocked",
  719: "NicSuspended",
  801: "Http_ReceiveSuppressed",
  // TCP/IP network layer
  901: "NL_BadSourceAddress", 902: "NL_NotLocallyDestined", 903: "NL_ProtocolUnreachable", 904: "NL_PortUnreachable", 905: "NL_BadLength",
  906: "NL_MalformedHeader", 907: "NL_NoRoute", 908: "NL_BeyondScope", 909: "NL_InspectionDrop", 910: "NL_TooManyDecapsulations",
  911: "NL_AdministrativelyProhibited", 912: "NL_BadChecksum", 913: "NL_ReceivePathMax", 914: "NL_HopLimitExceeded",
  915: "NL_AddressUnreachable", 916: "NL_RscPacket", 917: "NL_ForwardPathMax", 918: "NL_ArbitrationUnhandled", 919: "NL_InspectionAbsorb",
  920: "NL_DontFragmentMtuExceeded", 921: "NL_BufferLengthExceeded", 922: "NL_AddressResolutionTimeout", 923: "NL_AddressResolutionFailure",
  924: "NL_IpsecFailure", 925: "NL_ExtensionHeadersFailure", 926: "NL_IpsnpiClientDrop", 927: "NL_UnsupportedOffload",
  928: "NL_RoutingFailure", 929: "NL_AncillaryDataFailure", 930: "NL_RawDataFailure", 931: "NL_SessionStateFailure",
  932: "NL_IpsnpiModifiedButNotForwarded", 933: "NL_IpsnpiNoNextHop", 934: "NL_IpsnpiNoCompartment", 935: "NL_IpsnpiNoInterface",
  936: "NL_IpsnpiNoSubInterface", 937: "NL_IpsnpiInterfaceDisabled", 938: "NL_IpsnpiSegmentationFailed", 939: "NL_IpsnpiNoEthernetHeader",
  940: "NL_IpsnpiUnexpectedFragment", 941: "NL_IpsnpiUnsupportedInterfaceType", 942: "NL_IpsnpiInvalidLsoInfo",
  943: "NL_IpsnpiInvalidUsoInfo", 944: "NL_InternalError", 945: "NL_AdministrativelyConfigured", 946: "NL_BadOption",
  947: "NL_LoopbackDisallowed", 948: "NL_SmallerScope", 949: "NL_QueueFull", 950: "NL_InterfaceDisabled",
  951: "NL_IcmpGeneric", 952: "NL_IcmpTruncatedHeader", 953: "NL_IcmpInvalidChecksum", 954: "NL_IcmpInspection",
  955: "NL_IcmpNeighborDiscoveryLoopback", 956: "NL_IcmpUnknownType", 957: "NL_IcmpTruncatedIpHeader", 958: "NL_IcmpOversizedIpHeader",
  959: "NL_IcmpNoHandler", 960: "NL_IcmpRespondingToError", 961: "NL_IcmpInvalidSource", 962: "NL_IcmpInterfaceRateLimit",
  963: "NL_IcmpPathRateLimit", 964: "NL_IcmpNoRoute", 965: "NL_IcmpMatchingRequestNotFound", 966: "NL_IcmpBufferTooSmall",
  967: "NL_IcmpAncillaryDataQuery", 968: "NL_IcmpIncorrectHopLimit", 969: "NL_IcmpUnknownCode", 970: "NL_IcmpSourceNotLinkLocal",
  971: "NL_IcmpTruncatedNdHeader", 972: "NL_IcmpInvalidNdOptSourceLinkAddr", 973: "NL_IcmpInvalidNdOptMtu",
  974: "NL_IcmpInvalidNdOptPrefixInformation", 975: "NL_IcmpInvalidNdOptRouteInformation", 976: "NL_IcmpInvalidNdOptRdnss",
  977: "NL_IcmpInvalidNdOptDnssl", 978: "NL_IcmpPacketParsingFailure", 979: "NL_IcmpDisallowed", 980: "NL_IcmpInvalidRouterAdvertisement",
  981: "NL_IcmpSourceFromDifferentLink", 982: "NL_IcmpInvalidRedirectDestinationOrTarget", 983: "NL_IcmpInvalidNdTarget",
  984: "NL_IcmpNaMulticastAndSolicited", 985: "NL_IcmpNdLinkLayerAddressIsLocal", 986: "NL_IcmpDuplicateEchoRequest",
  987: "NL_IcmpNotAPotentialRouter", 988: "NL_IcmpInvalidMldQuery", 989: "NL_IcmpInvalidMldReport", 990: "NL_IcmpLocallySourcedMldReport",
  991: "NL_IcmpNotLocallyDestined", 992: "NL_ArpInvalidSource", 993: "NL_ArpInvalidTarget", 994: "NL_ArpDlSourceIsLocal",
  995: "NL_ArpNotLocallyDestined", 996: "NL_NlClientDiscard", 997: "NL_IpsnpiUroSegmentSizeExceedsMtu",
  // TCP/IP transport (INET)
  1200: "INET_SourceUnspecified", 1201: "INET_DestinationMulticast", 1202: "INET_HeaderInvalid", 1203: "INET_ChecksumInvalid",
  1204: "INET_EndpointNotFound", 1205: "INET_ConnectedPath", 1206: "INET_SessionState", 1207: "INET_ReceiveInspection",
  1208: "INET_AckInvalid", 1209: "INET_ExpectedSyn", 1210: "INET_Rst", 1211: "INET_SynRcvdSyn", 1212: "INET_SimultaneousConnect",
  1213: "INET_PawsFailed", 1214: "INET_LandAttack", 1215: "INET_MissedReset", 1216: "INET_OutsideWindow", 1217: "INET_DuplicateSegment",
  1218: "INET_ClosedWindow", 1219: "INET_TcbRemoved", 1220: "INET_FinWait2", 1221: "INET_ReassemblyConflict", 1222: "INET_FinReceived",
  1223: "INET_ListenerInvalidFlags", 1224: "INET_TcbNotInTcbTable", 1225: "INET_TimeWaitTcbReceivedRstOutsideWindow",
  1226: "INET_TimeWaitTcbSynAndOtherFlags", 1227: "INET_TimeWaitTcb", 1228: "INET_SynAckWithFastopenCookieRequest",
  1229: "INET_PauseAccept", 1230: "INET_SynAttack", 1231: "INET_AcceptInspection", 1232: "INET_AcceptRedirection",
  // SLB MUX
  1301: "SlbMux_ParsingFailure", 1302: "SlbMux_FirstFragmentMiss", 1303: "SlbMux_ICMPErrorPayloadValidationFailure",
  1304: "SlbMux_ICMPErrorPacketMatchNoSession", 1305: "SlbMux_ExternalHairpinNexthopLookupFailure", 1306: "SlbMux_NoMatchingStaticMapping",
  1307: "SlbMux_NexthopReferenceFailure", 1308: "SlbMux_CloningFailure", 1309: "SlbMux_TranslationFailure", 1310: "SlbMux_HopLimitExceeded",
  1311: "SlbMux_PacketBiggerThanMTU", 1312: "SlbMux_UnexpectedRouteLookupFailure", 1313: "SlbMux_NoRoute", 1314: "SlbMux_SessionCreationFailure",
  1315: "SlbMux_NexthopNotOverExternalInterface", 1316: "SlbMux_NexthopExternalInterfaceMissNATInstance",
  1317: "SlbMux_NATItselfCantBeInternalNexthop", 1318: "SlbMux_PacketRoutableInItsArrivalCompartment",
  1319: "SlbMux_PacketTransportProtocolNotSupported", 1320: "SlbMux_PacketIsDestinedLocally",
  1321: "SlbMux_PacketDestinationIPandPortNotSubjectToNAT", 1322: "SlbMux_MuxReject", 1323: "SlbMux_DipLookupFailure",
  1324: "SlbMux_MuxEncapsulationFailure", 1325: "SlbMux_InvalidDiagPacketEncapType", 1326: "SlbMux_DiagPacketIsRedirect",
  1327: "SlbMux_UnableToHandleRedirect",
  // IPsec
  1401: "Ipsec_BadSpi", 1402: "Ipsec_SALifetimeExpired", 1403: "Ipsec_WrongSA", 1404: "Ipsec_ReplayCheckFailed", 1405: "Ipsec_InvalidPacket",
  1406: "Ipsec_IntegrityCheckFailed", 1407: "Ipsec_ClearTextDrop", 1408: "Ipsec_AuthFirewallDrop", 1409: "Ipsec_ThrottleDrop",
  1410: "Ipsec_Dosp_Block", 1411: "Ipsec_Dosp_ReceivedMulticast", 1412: "Ipsec_Dosp_InvalidPacket", 1413: "Ipsec_Dosp_StateLookupFailed",
  1414: "Ipsec_Dosp_MaxEntries", 1415: "Ipsec_Dosp_KeymodNotAllowed", 1416: "Ipsec_Dosp_MaxPerIpRateLimitQueues", 1417: "Ipsec_NoMemory",
  1418: "Ipsec_Unsuccessful",
  // NetAdapterCx
  1501: "NetCx_NetPacketLayoutParseFailure", 1502: "NetCx_SoftwareChecksumFailure", 1503: "NetCx_NicQueueStop",
  1504: "NetCx_InvalidNetBufferLength", 1505: "NetCx_LSOFailure", 1506: "NetCx_USOFailure", 1507: "NetCx_BufferBounceFailureAndPacketIgnore",
};

const LAYERS: Record<string, string> = {
  FL: "TCP/IP framing layer", NL: "TCP/IP network layer", INET: "TCP/IP transport", SlbMux: "SLB MUX", Ipsec: "IPsec",
  NetCx: "NetAdapterCx", Http: "HTTP.sys",
};

/** "PktMonDrop_INET_EndpointNotFound", or null for a code the table does not have */
export function dropReasonName(code: number): string | null {
  const n = DROP_REASONS[code];
  return n === undefined ? null : `PktMonDrop_${n}`;
}

/** The reason in words: "TCP/IP transport: endpoint not found" (unknown codes: "drop reason 4711"). */
export function dropReasonText(code: number): string {
  const n = DROP_REASONS[code];
  if (n === undefined) return `drop reason ${code}`;
  const i = n.indexOf("_");
  const layer = i > 0 ? LAYERS[n.slice(0, i)] : undefined;
  const words = (layer ? n.slice(i + 1) : n).replace(/_/g, " ")
    .replace(/([a-z])([A-Z])/g, "$1 $2").replace(/([A-Z]+)([A-Z][a-z])/g, "$1 $2");
  const text = words.replace(/\b([A-Z])([a-z]+)\b/g, (_, a: string, b: string) => a.toLowerCase() + b);
  const t = text.charAt(0).toUpperCase() + text.slice(1);
  return layer ? `${layer}: ${t.charAt(0).toLowerCase()}${t.slice(1)}` : t;
}

/** What kind of cause a drop reason points at, for the advice given. */
export type DropCause = "filter" | "ipsec" | "no-listener" | "route" | "mtu" | "adapter" | "tcp-state" | "other";
export function dropCause(code: number): DropCause {
  if (code === 8 || code === 12 || code === 34 || code === 909 || code === 911 || code === 919 || code === 945 || code === 1207 || code === 1231 || code === 716 || code === 718) return "filter";
  if (code === 15 || code === 924 || (code >= 1401 && code <= 1418)) return "ipsec";
  if (code === 1204 || code === 904 || code === 903) return "no-listener";
  if (code === 907 || code === 915 || code === 922 || code === 923 || code === 928 || code === 902) return "route";
  if (code === 23 || code === 920 || code === 1311) return "mtu";
  if (code === 4 || code === 5 || code === 33 || code === 38 || code === 201 || code === 202 || code === 607 || code === 950 || (code >= 401 && code <= 404)) return "adapter";
  if (code >= 1205 && code <= 1230) return "tcp-state";
  return "other";
}

/** PKTMON_DIRECTION_TAG */
export function directionText(d: number): string {
  return ["", "in", "out", "received", "sent", "ingress", "egress"][d] ?? "";
}
/** Is this copy on the receive path? (In, Rx, Ingress) */
export const isInbound = (d: number) => d === 1 || d === 3 || d === 5;

/** Event 20's Type (Microsoft's NetMon parser, PktMon_ComponentType) */
export const COMPONENT_TYPES: Record<number, string> = {
  1: "NDIS", 2: "network adapter", 3: "filter", 4: "protocol", 5: "VM NIC", 6: "vSwitch miniport", 7: "vSwitch extension miniport",
  8: "vSwitch protocol NIC", 9: "NetVsc miniport",
};
/** Property types of events 30 and 70 (PktMon_PropertyType) that the report uses */
export const PROP_IFINDEX = 1;
export const PROP_MINIPORT_IFINDEX = 2;
export const PROP_PHYS_ADDRESS = 6;
/** Event 20 types that are a network adapter's own component */
export const ADAPTER_TYPES = new Set([2, 9]);
