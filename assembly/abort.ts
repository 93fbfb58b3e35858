// A trap in the decoder (a bug, never bad input) reaches JavaScript as an exception that names
// the source position, through the imported `decoderError`.
@external("env", "decoderError")
declare function decoderError(line: u32, column: u32): void;

export function decoderAbort(message: string | null, fileName: string | null, line: u32, column: u32): void {
  decoderError(line, column);
  unreachable();
}
