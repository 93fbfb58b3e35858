// Byte-level reads from linear memory. Little- and big-endian, bounds are the caller's job
// (every parser checks lengths against its record before reading).

@inline export function u8at(p: usize): u32 { return <u32>load<u8>(p); }
@inline export function u16le(p: usize): u32 { return <u32>load<u16>(p); }
@inline export function u32le(p: usize): u32 { return load<u32>(p); }
@inline export function u64le(p: usize): u64 { return load<u64>(p); }
@inline export function u16be(p: usize): u32 { return <u32>bswap<u16>(load<u16>(p)); }
@inline export function u32be(p: usize): u32 { return bswap<u32>(load<u32>(p)); }
@inline export function u64be(p: usize): u64 { return bswap<u64>(load<u64>(p)); }
@inline export function u16x(p: usize, big: bool): u32 { return big ? u16be(p) : u16le(p); }
@inline export function u32x(p: usize, big: bool): u32 { return big ? u32be(p) : u32le(p); }
@inline export function u64x(p: usize, big: bool): u64 { return big ? u64be(p) : u64le(p); }
@inline export function align4(n: u32): u32 { return (n + 3) & ~3; }
