// The capture files the decoder reads, by media type: the one list for the file picker's
// `accept` and the installed app's file handlers (vite.config.ts, manifest file_handlers).
// (.cap is offered because tcpdump and many appliances write pcap under that name; a Network
// Monitor .cap or an .etl is refused with a message that says how to convert it, core/problems.ts.)
export const CAPTURE_TYPES: Record<string, string[]> = {
  "application/vnd.tcpdump.pcap": [".pcap", ".cap"],
  "application/x-pcapng": [".pcapng"],
};

/** For `<input type="file" accept>`: the extensions, and the pcap media type. */
export const CAPTURE_ACCEPT = [...Object.values(CAPTURE_TYPES).flat(), "application/vnd.tcpdump.pcap"].join(",");
