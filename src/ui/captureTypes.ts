// The capture files the decoder reads, by media type: the one list for the file picker's
// `accept` and the installed app's file handlers (vite.config.ts, manifest file_handlers).
// (.cap is both tcpdump's pcap under another name and Network Monitor 2.x: the decoder tells
// them apart by their first bytes.)
export const CAPTURE_TYPES: Record<string, string[]> = {
  "application/vnd.tcpdump.pcap": [".pcap", ".cap"],
  "application/x-pcapng": [".pcapng"],
  "application/x-etl": [".etl"], // Windows event traces (pktmon, netsh trace): read as they are
};

/** For `<input type="file" accept>`: the extensions, and the pcap media type. */
export const CAPTURE_ACCEPT = [...Object.values(CAPTURE_TYPES).flat(), "application/vnd.tcpdump.pcap"].join(",");
