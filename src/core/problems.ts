// Human text for the decoder's warnings and errors: which offset, what was expected.
import * as C from "../../assembly/events";
import type { RawEvent } from "./decoder/records";

const hex = (v: bigint | number, w = 8) => `0x${v.toString(16).padStart(w, "0")}`;

function firstBytes(v: bigint, v2: bigint): string {
  const b: number[] = [];
  for (let i = 3; i >= 0; i--) b.push(Number((v >> BigInt(i * 8)) & 0xffn));
  for (let i = 3; i >= 0; i--) b.push(Number((v2 >> BigInt(i * 8)) & 0xffn));
  const hexs = b.map((x) => x.toString(16).padStart(2, "0")).join(" ");
  const ascii = b.map((x) => (x >= 0x20 && x < 0x7f ? String.fromCharCode(x) : ".")).join("");
  return `${hexs} ("${ascii}")`;
}

function guessFormat(v: bigint, fileName: string): string {
  const b0 = Number((v >> 24n) & 0xffn), b1 = Number((v >> 16n) & 0xffn);
  if (/\.etl$/i.test(fileName)) return " It is named .etl, but it does not start like an event trace from pktmon or netsh trace (a 72-byte buffer header, then the trace's logfile header): it may be damaged, or a trace of another kind; on Windows, `pktmon etl2pcap file.etl --out file.pcapng` converts a packet trace.";
  if (b0 === 0x1f && b1 === 0x8b) return " It is gzip-compressed: decompress it first (gunzip), or open it in Wireshark and save as pcapng.";
  if (b0 === 0x50 && b1 === 0x4b) return " It is a ZIP archive: extract the capture from it first.";
  if (b0 === 0x3c || b0 === 0x7b) return " It looks like a text (HTML/XML/JSON) file, not a packet capture.";
  return " Expected a pcap file (magic a1b2c3d4 or a1b23c4d, either byte order), a pcapng file (0a0d0d0a), a Network Monitor 2.x .cap (GMBU) or a Windows event trace (.etl).";
}

export interface Problem { fatal: boolean; code: number; offset: number; text: string }

export function describeProblem(ev: RawEvent, fileName: string): Problem {
  const code = ev.f.code as number;
  const off = Number((ev.f.offset as bigint | undefined) ?? 0n);
  const v = (ev.f.value as bigint | undefined) ?? 0n;
  const v2 = (ev.f.value2 as bigint | undefined) ?? 0n;
  const at = `${fileName}, byte offset ${off}`;
  const fatal = ev.kind === C.EV_ERROR;
  let text: string;
  if (fatal) {
    switch (code) {
      case C.E_EMPTY: text = `${fileName} is empty (0 bytes): not a capture.`; break;
      case C.E_NOT_A_CAPTURE: text = `${fileName} is not a packet capture: at byte offset 0 it starts with ${firstBytes(v, v2)}.${guessFormat(v, fileName)}`; break;
      case C.E_NETMON: text = `${fileName} is a Network Monitor capture of version ${v}.${v2}, whose magic names another version; only versions 1.x (RTSS) and 2.x (GMBU) are read (open it in Wireshark and save it as pcapng).`; break;
      case C.E_NETMON_HEADER: text = `${at}: the Network Monitor header places the frame table at byte ${v} with a length of ${v2} bytes, which is not a table of 4-byte offsets after the 128-byte header; the file is damaged.`; break;
      case C.E_ETL_HEADER: text = `${at}: the first buffer of this event trace holds no logfile header (found ${hex(v)}); it is not an ETL file written by netsh trace or pktmon, or it is damaged.`; break;
      case C.E_ETL_BUFFER: text = `${at}: an event-trace buffer header states ${v} bytes, outside what ETW writes (72 bytes to ${v2}); reading stopped here.`; break;
      case C.E_ETL_TOO_MANY_BUFFERS: text = `${fileName}: the trace holds more than ${v} buffers, more than this reader indexes; nothing was read.`; break;
      case C.E_ETL_HUFF_CPUS: text = `${fileName}: the trace's buffers are compressed with XPRESS Huffman, whose matches reach 64 KiB back, and it has ${v} processors: at most ${v2} fit this reader's memory at once with that history; nothing was read. Record the trace without compression, or convert it on Windows (\`pktmon etl2pcap\`, or Microsoft's etl2pcapng).`; break;
      case C.E_ETL_TOO_MANY_CPUS: text = `${fileName}: the trace has buffers of more than ${v} processors, more than this reader merges at once; nothing was read.`; break;
      case C.E_TRUNCATED_HEADER: text = `${at}: the file ends inside its file header (${v} of ${v2} bytes present).`; break;
      case C.E_BAD_BLOCK_LENGTH: text = `${at}: pcapng block of type ${hex(v)} has an inconsistent length ${v2} (it must be a multiple of 4, at least 12, and repeated at the block's end); reading stopped here.`; break;
      case C.E_RECORD_TOO_LARGE: text = `${at}: a packet record claims ${v} bytes, more than the ${v2} bytes any real capture uses; the file is damaged from here.`; break;
      case C.E_BAD_SHB: text = `${at}: pcapng section header with an invalid byte-order magic ${hex(v)} (expected 1a2b3c4d).`; break;
      default: text = `${at}: unreadable input (error ${code}).`;
    }
  } else {
    switch (code) {
      case C.W_TRUNCATED_RECORD: text = `${at}: the last record is cut short (${v2 > 0n ? `${v} of ${v2} bytes present` : `${v} bytes present, too few to hold its length`}), as when a capture is copied while still being written; everything before it was read.`; break;
      case C.W_UNKNOWN_LINKTYPE: text = `${fileName}: link type ${v} is not decoded; its packets are counted but not analysed.`; break;
      case C.W_SNAPLEN_CUT: text = `${at}: packets were captured cut to ${v} of ${v2} bytes (snapshot length); long SMB messages may be incomplete. Capture with a snapshot length of 0 (tcpdump -s 0) for full messages.`; break;
      case C.W_UNKNOWN_BLOCK: text = `${at}: pcapng block of type ${hex(v)} (${v2} bytes) skipped.`; break;
      case C.W_BAD_INTERFACE: text = `${at}: a packet refers to interface ${v}, but the section declares only ${v2} interface(s); such packets are counted but not decoded.`; break;
      case C.W_HUGE_SNAPLEN: text = `${at}: the file header states a snapshot length of ${v} bytes, which no capture tool writes; ignored.`; break;
      case C.W_BAD_TSRESOL: text = `${at}: interface timestamp resolution ${v} is out of range; microseconds assumed.`; break;
      case C.W_PB_OBSOLETE: text = `${at}: obsolete pcapng Packet Block(s) read as Enhanced Packet Blocks.`; break;
      case C.W_SHB_VERSION: text = `${at}: a pcapng section has version ${v}.${v2}, which no reader understands; the rest of the file was not read.`; break;
      case C.W_TS_OVERFLOW: {
        const off = BigInt.asIntN(64, v2);
        text = `${at}: a timestamp of interface ${v} falls outside the years 1677–2262 that nanosecond timestamps can hold${off !== 0n ? ` (the interface's if_tsoffset is ${off} s)` : ""}; such packets are read without a time.`;
        break;
      }
      case C.W_FRAME_TABLE_CUT: text = `${at}: the Network Monitor frame table ends after ${v} of its ${v2} entries (the file is cut short); the frames it lists were read.`; break;
      case C.W_BAD_FRAME: text = `${at}: ${v2} frame${v2 === 1n ? "" : "s"} of the frame table could not be read (the first, frame ${v} at byte offset ${off}, points past the end of the file or at a damaged record); they are counted but not decoded.`; break;
      case C.W_NOT_PACKETS: text = `${fileName}: ${v} frame${v === 1n ? " holds" : "s hold"} no packet (Network Monitor network information, filters or events of other providers); counted as frames, not analysed.`; break;
      case C.W_ETL_DECOMPRESS: text = `${at}: a compressed event-trace buffer does not decompress (${v} of ${v2} bytes produced); the events decompressed before the damage were read, the rest of that buffer skipped.`; break;
      case C.W_ETL_BAD_RECORD: text = `${at}: a malformed event record at byte ${v} of its buffer; the rest of that buffer was skipped.`; break;
      case C.W_ETL_CPU: text = `${at}: a buffer of processor ${v}, but the trace header announces ${v2} processor(s); read anyway.`; break;
      case C.W_ETL_LOST: text = `${fileName}: the trace logger lost ${v} event(s) and ${v2} buffer(s) while capturing (the system was too busy or the buffers too small): packets may be missing.`; break;
      case C.W_PKTMON_COPIES: text = `${fileName}: pktmon logs each packet once for every component it crosses; the analysis uses the copies logged by component ${v}${ev.f.winName ? ` (${ev.f.winName as string})` : ""}, as \`pktmon etl2pcap ${fileName} --component-id ${v}\` would, and skips the ${v2} other copies (they keep their frame numbers).`; break;
      case C.W_PKTMON_DROPS: text = `${fileName}: pktmon reports ${v} dropped packet(s) (event 170; the first with drop reason ${v2}); they keep their frame numbers but are not analysed as traffic.`; break;
      case C.W_ETL_COMPRESSION: text = `${at}: buffers compressed with ${v === 2n ? "LZNT1" : v === 4n ? "XPRESS Huffman" : `format ${v}`}, which this reader does not decompress (it reads XPRESS, LZNT1 and XPRESS Huffman); their events were skipped.`; break;
      case C.W_FLOW_TABLE_FULL: text = `${fileName}: more than 180,000 TCP conversations at once; ${v} idle ones were forgotten (stream numbers of conversations that come back later may differ from Wireshark's).`; break;
      case C.W_REASM_SLOTS_FULL: text = `${fileName}: more than ${v} SMB/Kerberos connections open at the same time; the idlest were dropped from reassembly.`; break;
      case C.W_SMB_DECOMPRESS: {
        // MS-SMB2 2.2.42: what the compression header said against what its bytes gave
        const why = v === BigInt(C.DC_CUT) ? `a header or payload at byte ${off} of the message runs past its end (the message is cut short)`
          : v === BigInt(C.DC_INVALID) ? `the compressed stream at byte ${off} of the message is invalid`
          : v === BigInt(C.DC_SHORT) ? `it decompresses to fewer bytes than the ${v2} its header states (byte ${off})`
          : v === BigInt(C.DC_LONG) ? `it would decompress to more bytes than its header states (${v2}, byte ${off}): a lying size or a decompression bomb, stopped there`
          : v === BigInt(C.DC_ALGORITHM) ? `its payload at byte ${off} uses compression algorithm ${v2}, which this reader does not decompress (it reads LZNT1, LZ77, LZ77+Huffman and Pattern_V1)`
          : v === BigInt(C.DC_NOT_SMB2) ? `what it decompresses to (${v2} bytes) is not an SMB2 message`
          : `reason ${v}`;
        text = `${fileName}, frame ${ev.frame}: a compressed SMB2 message (MS-SMB2 2.2.42) was skipped: ${why}.`;
        break;
      }
      case C.W_MALFORMED: text = `${fileName}: a malformed message (layer ${v}, byte ${hex(v2, 2)}) was skipped.`; break;
      default: text = `${at}: warning ${code}.`;
    }
  }
  return { fatal, code, offset: off, text };
}
