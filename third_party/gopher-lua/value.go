package lua

import (
	"context"
	"fmt"
	"math"
	"os"
	"strconv"

	"github.com/mailexpect/mailexpect/third_party/gopher-lua/pm"
)

type LValueType int

const (
	LTNil LValueType = iota
	LTBool
	LTNumber
	LTString
	LTFunction
	LTUserData
	LTThread
	LTTable
	LTChannel
)

var lValueNames = [9]string{"nil", "boolean", "number", "string", "function", "userdata", "thread", "table", "channel"}

func (vt LValueType) String() string {
	return lValueNames[int(vt)]
}

type LValue interface {
	String() string
	Type() LValueType
}

// LVIsFalse returns true if a given LValue is a nil or false otherwise false.
func LVIsFalse(v LValue) bool { return v == LNil || v == LFalse }

// LVIsFalse returns false if a given LValue is a nil or false otherwise true.
func LVAsBool(v LValue) bool { return v != LNil && v != LFalse }

// LVAsString returns string representation of a given LValue
// if the LValue is a string or number, otherwise an empty string.
func LVAsString(v LValue) string {
	switch sn := v.(type) {
	case LString, LNumber:
		return sn.String()
	default:
		return ""
	}
}

// LVCanConvToString returns true if a given LValue is a string or number
// otherwise false.
func LVCanConvToString(v LValue) bool {
	switch v.(type) {
	case LString, LNumber:
		return true
	default:
		return false
	}
}

// LVAsNumber tries to convert a given LValue to a number.
func LVAsNumber(v LValue) LNumber {
	switch lv := v.(type) {
	case LNumber:
		return lv
	case LString:
		if num, err := parseNumber(string(lv)); err == nil {
			return num
		}
	}
	return LNumber(0)
}

type LNilType struct{}

func (nl *LNilType) String() string   { return "nil" }
func (nl *LNilType) Type() LValueType { return LTNil }

var LNil = LValue(&LNilType{})

type LBool bool

func (bl LBool) String() string {
	if bool(bl) {
		return "true"
	}
	return "false"
}
func (bl LBool) Type() LValueType { return LTBool }

var LTrue = LBool(true)
var LFalse = LBool(false)

type LString string

func (st LString) String() string   { return string(st) }
func (st LString) Type() LValueType { return LTString }

// fmt.Formatter interface
func (st LString) Format(f fmt.State, c rune) {
	switch c {
	case 'd', 'i':
		if nm, err := parseNumber(string(st)); err != nil {
			defaultFormat(nm, f, 'd')
		} else {
			defaultFormat(string(st), f, 's')
		}
	default:
		defaultFormat(string(st), f, c)
	}
}

func (nm LNumber) String() string {
	if isInteger(nm) {
		// mailexpect patch (PATCHES.md): strconv, as fmt.Sprint
		// writes it, without fmt's printer (tostring(n), "x" .. n).
		return strconv.FormatInt(int64(nm), 10)
	}
	return formatFloat(float64(nm)) // mailexpect patch (PATCHES.md)
}

// formatFloat writes a number that is not whole as Lua 5.1 does, C's
// "%.14g" (LUAI_NUMFFORMAT): 0.1+0.2 is "0.3", not Go's shortest
// "0.30000000000000004". Infinities are "inf" and "-inf", NaN "nan" or
// "-nan" by its sign bit, as glibc's printf writes them (Go: "+Inf",
// "NaN"). mailexpect patch.
func formatFloat(f float64) string {
	switch {
	case math.IsInf(f, 1):
		return "inf"
	case math.IsInf(f, -1):
		return "-inf"
	case math.IsNaN(f):
		if math.Signbit(f) {
			return "-nan"
		}
		return "nan"
	}
	return strconv.FormatFloat(f, 'g', 14, 64)
}

func (nm LNumber) Type() LValueType { return LTNumber }

// fmt.Formatter interface
func (nm LNumber) Format(f fmt.State, c rune) {
	switch c {
	case 'q', 's':
		defaultFormat(nm.String(), f, c)
	case 'b', 'c', 'd', 'o', 'x', 'X', 'U':
		defaultFormat(int64(nm), f, c)
	case 'e', 'E', 'f', 'F', 'g', 'G':
		defaultFormat(float64(nm), f, c)
	case 'i':
		defaultFormat(int64(nm), f, 'd')
	default:
		if isInteger(nm) {
			defaultFormat(int64(nm), f, c)
		} else {
			defaultFormat(float64(nm), f, c)
		}
	}
}

type LTable struct {
	Metatable LValue

	array   []LValue
	dict    map[LValue]LValue
	strdict map[string]LValue
	keys    []LValue
	k2i     map[LValue]int
	// mailexpect patch (PATCHES.md): string keys deleted while k2i does
	// not exist yet; they are still in keys.
	delStr map[string]struct{}
	// mailexpect patch (PATCHES.md): while strdict is nil, svals[i] is
	// the value of keys[i] when that is a string (LNil: deleted).
	svals []LValue
	// mailexpect patch (PATCHES.md): bumped by every write to the
	// entries (array, dict, strdict, svals; see Version). Code that
	// writes them must bump it.
	version uint64
}

func (tb *LTable) String() string   { return fmt.Sprintf("table: %p", tb) }
func (tb *LTable) Type() LValueType { return LTTable }

type LFunction struct {
	IsG       bool
	Env       *LTable
	Proto     *FunctionProto
	GFunction LGFunction
	Upvalues  []*Upvalue

	// mailexpect patch (PATCHES.md): PreCall, when set, is a Go function
	// that every call of this function runs first, with the same
	// arguments, in a frame of its own on top of the caller's (as if the
	// caller had called it): an argument check that raises on bad
	// arguments, without a wrapper function in between.
	PreCall *LFunction

	// mailexpect patch (PATCHES.md): where the VM found the fields this
	// function reads by a constant name, one entry per constant (see
	// fieldcache.go); made at its first such read.
	fields []fieldEntry
}
type LGFunction func(*LState) int

func (fn *LFunction) String() string   { return fmt.Sprintf("function: %p", fn) }
func (fn *LFunction) Type() LValueType { return LTFunction }

type Global struct {
	MainThread    *LState
	CurrentThread *LState
	Registry      *LTable
	Global        *LTable

	builtinMts map[int]LValue
	tempFiles  []*os.File
	gccount    int32
}

type LState struct {
	G       *Global
	Parent  *LState
	Env     *LTable
	Panic   func(*LState)
	Dead    bool
	Options Options

	stop         int32
	reg          *registry
	stack        callFrameStack
	alloc        *allocator
	currentFrame *callFrame
	wrapped      bool
	preCallFirst bool // mailexpect patch: threadRun calls the body's PreCall before it starts
	// mailexpect patch (PATCHES.md): stack when it is the growing kind,
	// for the VM's calls and returns without interface calls; else nil.
	frames       *autoGrowingCallFrameStack
	uvcache      *Upvalue
	hasErrorFunc bool
	mainLoop     func(*LState, *callFrame)
	ctx          context.Context
	ctxCancelFn  context.CancelFunc
	gfuncs       []LFunction // mailexpect patch: what NewFunction hands out next
	// mailexpect patch: string.match's and string.find's match data, made
	// once and reused (cancel.go, matchPattern).
	matchData *pm.MatchData
	patterns  *patternSlots // mailexpect patch: the last patterns compiled (cancel.go)
}

func (ls *LState) String() string   { return fmt.Sprintf("thread: %p", ls) }
func (ls *LState) Type() LValueType { return LTThread }

type LUserData struct {
	Value     interface{}
	Env       *LTable
	Metatable LValue
}

func (ud *LUserData) String() string   { return fmt.Sprintf("userdata: %p", ud) }
func (ud *LUserData) Type() LValueType { return LTUserData }

type LChannel chan LValue

func (ch LChannel) String() string   { return fmt.Sprintf("channel: %p", ch) }
func (ch LChannel) Type() LValueType { return LTChannel }
