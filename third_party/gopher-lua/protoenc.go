package lua

// mailexpect patch: a compiled FunctionProto as bytes and back, so that a
// program can ship chunks compiled when it is built (mailexpect's embedded
// modules) and skip the parser and the compiler when it runs. The format
// is this package's own, tied to the compiler that made it: a reader
// refuses data of another format version, and data from another build of
// the compiler is the caller's to rule out (mailexpect regenerates it
// with the sources and checks it against them).

import (
	"encoding/binary"
	"errors"
	"fmt"
	"math"
)

const protoFormat = "glua-proto-1"

// MarshalFunctionProto encodes fp and the prototypes nested in it.
func MarshalFunctionProto(fp *FunctionProto) ([]byte, error) {
	b := binary.AppendUvarint(nil, uint64(len(protoFormat)))
	b = append(b, protoFormat...)
	return appendProto(b, fp)
}

func appendString(b []byte, s string) []byte {
	b = binary.AppendUvarint(b, uint64(len(s)))
	return append(b, s...)
}

func appendInt(b []byte, n int) []byte { return binary.AppendVarint(b, int64(n)) }

func appendProto(b []byte, fp *FunctionProto) ([]byte, error) {
	b = appendString(b, fp.SourceName)
	b = appendInt(b, fp.LineDefined)
	b = appendInt(b, fp.LastLineDefined)
	b = append(b, fp.NumUpvalues, fp.NumParameters, fp.IsVarArg, fp.NumUsedRegisters)
	b = appendInt(b, len(fp.Code))
	for _, c := range fp.Code {
		b = binary.LittleEndian.AppendUint32(b, c)
	}
	b = appendInt(b, len(fp.Constants))
	for _, c := range fp.Constants {
		switch v := c.(type) {
		case *LNilType:
			b = append(b, 0)
		case LBool:
			if v {
				b = append(b, 2)
			} else {
				b = append(b, 1)
			}
		case LNumber:
			b = append(b, 3)
			b = binary.LittleEndian.AppendUint64(b, math.Float64bits(float64(v)))
		case LString:
			b = append(b, 4)
			b = appendString(b, string(v))
		default:
			return nil, fmt.Errorf("lua: a constant of type %s cannot be encoded", c.Type())
		}
	}
	b = appendInt(b, len(fp.FunctionPrototypes))
	for _, p := range fp.FunctionPrototypes {
		var err error
		if b, err = appendProto(b, p); err != nil {
			return nil, err
		}
	}
	b = appendInt(b, len(fp.DbgSourcePositions))
	for _, p := range fp.DbgSourcePositions {
		b = appendInt(b, p)
	}
	b = appendInt(b, len(fp.DbgLocals))
	for _, l := range fp.DbgLocals {
		b = appendString(b, l.Name)
		b = appendInt(b, l.StartPc)
		b = appendInt(b, l.EndPc)
	}
	b = appendInt(b, len(fp.DbgCalls))
	for _, c := range fp.DbgCalls {
		b = appendString(b, c.Name)
		b = appendInt(b, c.Pc)
	}
	b = appendInt(b, len(fp.DbgUpvalues))
	for _, u := range fp.DbgUpvalues {
		b = appendString(b, u)
	}
	return b, nil
}

// UnmarshalFunctionProto decodes what MarshalFunctionProto encoded.
func UnmarshalFunctionProto(data []byte) (*FunctionProto, error) {
	d := &protoDecoder{b: data}
	if f := d.string(); f != protoFormat {
		return nil, fmt.Errorf("lua: not an encoded prototype of format %s", protoFormat)
	}
	fp := d.proto(0)
	if d.err == nil && len(d.b) != 0 {
		d.err = errors.New("trailing bytes")
	}
	if d.err != nil {
		return nil, fmt.Errorf("lua: encoded prototype: %w", d.err)
	}
	return fp, nil
}

type protoDecoder struct {
	b   []byte
	err error
}

func (d *protoDecoder) fail(msg string) {
	if d.err == nil {
		d.err = errors.New(msg)
	}
	d.b = nil
}

func (d *protoDecoder) int() int {
	v, n := binary.Varint(d.b)
	if n <= 0 || v < math.MinInt32 || v > math.MaxInt32 {
		d.fail("bad integer")
		return 0
	}
	d.b = d.b[n:]
	return int(v)
}

// count is a length: at least 0 and, each element being at least one
// byte, at most what is left.
func (d *protoDecoder) count() int {
	n := d.int()
	if n < 0 || n > len(d.b) {
		d.fail("bad length")
		return 0
	}
	return n
}

func (d *protoDecoder) bytes(n int) []byte {
	if n < 0 || n > len(d.b) {
		d.fail("truncated")
		return nil
	}
	s := d.b[:n]
	d.b = d.b[n:]
	return s
}

func (d *protoDecoder) string() string {
	v, n := binary.Uvarint(d.b)
	if n <= 0 || v > uint64(len(d.b)-n) {
		d.fail("bad string")
		return ""
	}
	d.b = d.b[n:]
	return string(d.bytes(int(v)))
}

func (d *protoDecoder) proto(depth int) *FunctionProto {
	if depth > 200 {
		d.fail("nested too deep")
		return nil
	}
	fp := &FunctionProto{SourceName: d.string(), LineDefined: d.int(), LastLineDefined: d.int()}
	if h := d.bytes(4); len(h) == 4 {
		fp.NumUpvalues, fp.NumParameters, fp.IsVarArg, fp.NumUsedRegisters = h[0], h[1], h[2], h[3]
	}
	if n := d.count(); n > 0 {
		raw := d.bytes(4 * n)
		if len(raw) == 4*n {
			fp.Code = make([]uint32, n)
			for i := range fp.Code {
				fp.Code[i] = binary.LittleEndian.Uint32(raw[4*i:])
			}
		}
	}
	if n := d.count(); n > 0 {
		fp.Constants = make([]LValue, n)
		fp.stringConstants = make([]string, n)
		for i := range fp.Constants {
			switch tag := d.bytes(1); {
			case len(tag) == 0:
			case tag[0] == 0:
				fp.Constants[i] = LNil
			case tag[0] == 1:
				fp.Constants[i] = LFalse
			case tag[0] == 2:
				fp.Constants[i] = LTrue
			case tag[0] == 3:
				if raw := d.bytes(8); len(raw) == 8 {
					fp.Constants[i] = LNumber(math.Float64frombits(binary.LittleEndian.Uint64(raw)))
				}
			case tag[0] == 4:
				s := d.string()
				fp.Constants[i], fp.stringConstants[i] = LString(s), s
			default:
				d.fail("bad constant")
			}
			if fp.Constants[i] == nil {
				fp.Constants[i] = LNil
			}
		}
	}
	if n := d.count(); n > 0 {
		fp.FunctionPrototypes = make([]*FunctionProto, n)
		for i := range fp.FunctionPrototypes {
			fp.FunctionPrototypes[i] = d.proto(depth + 1)
		}
	}
	if n := d.count(); n > 0 {
		fp.DbgSourcePositions = make([]int, n)
		for i := range fp.DbgSourcePositions {
			fp.DbgSourcePositions[i] = d.int()
		}
	}
	if n := d.count(); n > 0 {
		fp.DbgLocals = make([]*DbgLocalInfo, n)
		for i := range fp.DbgLocals {
			fp.DbgLocals[i] = &DbgLocalInfo{Name: d.string(), StartPc: d.int(), EndPc: d.int()}
		}
	}
	if n := d.count(); n > 0 {
		fp.DbgCalls = make([]DbgCall, n)
		for i := range fp.DbgCalls {
			fp.DbgCalls[i] = DbgCall{Name: d.string(), Pc: d.int()}
		}
	}
	if n := d.count(); n > 0 {
		fp.DbgUpvalues = make([]string, n)
		for i := range fp.DbgUpvalues {
			fp.DbgUpvalues[i] = d.string()
		}
	}
	if d.err != nil {
		return nil
	}
	return fp
}
