package luabind

import lua "github.com/mailexpect/mailexpect/third_party/gopher-lua"

// messageShape is rt.message_shape(msg) -> wire_size, binary, eight_bit:
// what the smtp module must know about a message before MAIL, found in
// one pass over its bytes (in Lua, a search and two string.byte calls per
// line: hundreds of calls for a message of a few hundred lines).
//
//	wire_size  the size as RFC 1870 counts it: the octets once every line
//	           end is CRLF (a bare CR or LF counts two), without the
//	           dots DATA adds and the final dot line
//	binary     content DATA cannot carry as it is (RFC 3030 3): a NUL, or
//	           a line (up to and including a CR before its LF) longer
//	           than 999 octets, 998 and the CR (RFC 5321 4.5.3.1.6)
//	eight_bit  an octet above 127 (RFC 6152)
func (r moduleHooks) messageShape(L *lua.LState) int {
	size, binary, eightBit := messageShape(L.CheckString(1))
	L.Push(lua.LNumber(size))
	L.Push(lua.LBool(binary))
	L.Push(lua.LBool(eightBit))
	return 3
}

func messageShape(msg string) (size int, binary, eightBit bool) {
	size = len(msg)
	lineStart := 0
	for i := 0; i < len(msg); i++ {
		switch b := msg[i]; {
		case b == '\n':
			if i-lineStart > 999 {
				binary = true
			}
			lineStart = i + 1
			if i == 0 || msg[i-1] != '\r' {
				size++ // a bare LF
			}
		case b == '\r':
			if i+1 == len(msg) || msg[i+1] != '\n' {
				size++ // a bare CR
			}
		case b == 0:
			binary = true
		case b > 127:
			eightBit = true
		}
	}
	if len(msg)-lineStart > 999 {
		binary = true
	}
	return size, binary, eightBit
}
