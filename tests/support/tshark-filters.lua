-- Loaded by tests/filters-tshark.test.ts into one tshark run per capture: compiles every display
-- filter listed in the file given as the script's argument (one per line) with tshark's own
-- display filter engine (a tap listener per filter, as -Y would), and prints, at the end,
--   ERR <n> <message>                 for a filter tshark rejects
--   SEL <n> <frame>,<frame>,...       the frames filter n selected
--   ALL <frame> <tcp.stream> <kerberos.error_code,...> <address,...> <udp port,...>   one line per frame
local path = ...
local sel = {}
local n = 0
for f in io.lines(path) do
  n = n + 1
  local ok, l = pcall(Listener.new, nil, f)
  if not ok then
    print("ERR\t" .. n .. "\t" .. tostring(l):gsub("[\r\n]+", " "))
  else
    local s = {}
    sel[n] = s
    function l.packet(pinfo) s[#s + 1] = pinfo.number end
  end
end

local stream = Field.new("tcp.stream")
local krb = Field.new("kerberos.error_code")
local addrs = { Field.new("ip.src"), Field.new("ip.dst"), Field.new("ipv6.src"), Field.new("ipv6.dst") }
local uports = { Field.new("udp.srcport"), Field.new("udp.dstport") }
local rows = {}
local all = Listener.new()
local function values(field)
  local out = {}
  for _, v in ipairs({ field() }) do out[#out + 1] = tostring(v.value) end
  return out
end
function all.packet(pinfo)
  local a = {}
  for _, f in ipairs(addrs) do for _, v in ipairs(values(f)) do a[#a + 1] = v end end
  local u = {}
  for _, f in ipairs(uports) do for _, v in ipairs(values(f)) do u[#u + 1] = v end end
  local s = stream()
  rows[#rows + 1] = table.concat({ pinfo.number, s and tostring(s.value) or "-", table.concat(values(krb), ","), table.concat(a, ","), table.concat(u, ",") }, "\t")
end
function all.draw()
  for _, r in ipairs(rows) do print("ALL\t" .. r) end
  for k = 1, n do if sel[k] then print("SEL\t" .. k .. "\t" .. table.concat(sel[k], ",")) end end
end
