package lua

import (
	"bufio"
	"errors"
	"fmt"
	"io"
	"math"
	"reflect"
	"strconv"
	"strings"
	"time"
	"unsafe"
)

func intMin(a, b int) int {
	if a < b {
		return a
	} else {
		return b
	}
}

func intMax(a, b int) int {
	if a > b {
		return a
	} else {
		return b
	}
}

func defaultFormat(v interface{}, f fmt.State, c rune) {
	// mailexpect patch (PATCHES.md): "%d" of an integer, the common case
	// (string.format("%d", n)), is written directly; and only the five
	// flags fmt knows are asked for, not all 128 ASCII codes.
	_, hasWidth := f.Width()
	_, hasPrec := f.Precision()
	if n, ok := v.(int64); ok && c == 'd' && !hasWidth && !hasPrec && !f.Flag('+') && !f.Flag(' ') {
		var b [24]byte
		f.Write(strconv.AppendInt(b[:0], n, 10))
		return
	}
	buf := make([]string, 0, 10)
	buf = append(buf, "%")
	for _, flag := range "-+# 0" {
		if f.Flag(int(flag)) {
			buf = append(buf, string(flag))
		}
	}

	if w, ok := f.Width(); ok {
		buf = append(buf, strconv.Itoa(w))
	}
	if p, ok := f.Precision(); ok {
		buf = append(buf, "."+strconv.Itoa(p))
	}
	buf = append(buf, string(c))
	format := strings.Join(buf, "")
	fmt.Fprintf(f, format, v)
}

type flagScanner struct {
	flag       byte
	start      string
	end        string
	buf        []byte
	str        string
	Length     int
	Pos        int
	HasFlag    bool
	ChangeFlag bool
}

func newFlagScanner(flag byte, start, end, str string) *flagScanner {
	return &flagScanner{flag, start, end, make([]byte, 0, len(str)), str, len(str), 0, false, false}
}

func (fs *flagScanner) AppendString(str string) { fs.buf = append(fs.buf, str...) }

func (fs *flagScanner) AppendChar(ch byte) { fs.buf = append(fs.buf, ch) }

func (fs *flagScanner) String() string { return string(fs.buf) }

func (fs *flagScanner) Next() (byte, bool) {
	c := byte('\000')
	fs.ChangeFlag = false
	if fs.Pos == fs.Length {
		if fs.HasFlag {
			fs.AppendString(fs.end)
		}
		return c, true
	} else {
		c = fs.str[fs.Pos]
		if c == fs.flag {
			if fs.Pos < (fs.Length-1) && fs.str[fs.Pos+1] == fs.flag {
				fs.HasFlag = false
				fs.AppendChar(fs.flag)
				fs.Pos += 2
				return fs.Next()
			} else if fs.Pos != fs.Length-1 {
				if fs.HasFlag {
					fs.AppendString(fs.end)
				}
				fs.AppendString(fs.start)
				fs.ChangeFlag = true
				fs.HasFlag = true
			}
		}
	}
	fs.Pos++
	return c, false
}

var cDateFlagToGo = map[byte]string{
	'a': "mon", 'A': "Monday", 'b': "Jan", 'B': "January", 'c': "02 Jan 06 15:04 MST", 'd': "02",
	'F': "2006-01-02", 'H': "15", 'I': "03", 'm': "01", 'M': "04", 'p': "PM", 'P': "pm", 'S': "05",
	'x': "15/04/05", 'X': "15:04:05", 'y': "06", 'Y': "2006", 'z': "-0700", 'Z': "MST"}

func strftime(t time.Time, cfmt string) string {
	sc := newFlagScanner('%', "", "", cfmt)
	for c, eos := sc.Next(); !eos; c, eos = sc.Next() {
		if !sc.ChangeFlag {
			if sc.HasFlag {
				if v, ok := cDateFlagToGo[c]; ok {
					sc.AppendString(t.Format(v))
				} else {
					switch c {
					case 'w':
						sc.AppendString(fmt.Sprint(int(t.Weekday())))
					default:
						sc.AppendChar('%')
						sc.AppendChar(c)
					}
				}
				sc.HasFlag = false
			} else {
				sc.AppendChar(c)
			}
		}
	}

	return sc.String()
}

func isInteger(v LNumber) bool {
	return float64(v) == float64(int64(v))
	//_, frac := math.Modf(float64(v))
	//return frac == 0.0
}

func isArrayKey(v LNumber) bool {
	return isInteger(v) && v < LNumber(int((^uint(0))>>1)) && v > LNumber(0) && v < LNumber(MaxArrayIndex)
}

// mailexpect patch: a string converts to a number as in Lua 5.1
// (luaO_str2d with glibc's strtod, the C locale): see str2number. It
// read Go's literals (ParseInt with base 0: "010" was 8, "0b1" and
// "1_000" numbers) and no exponent without a '.'.
func parseNumber(number string) (LNumber, error) {
	if v, ok := str2number(number); ok {
		return v, nil
	}
	return 0, strconv.ErrSyntax
}

// cSpace is C's isspace in the C locale.
const cSpace = " \t\n\v\f\r"

// str2number is Lua 5.1's luaO_str2d on Linux: the string up to its
// first NUL (a C string), spaces around it, then what glibc's strtod
// reads, all of it: an optional sign and a decimal number with an
// optional exponent, a hexadecimal one ("0x", hex digits with an
// optional '.', an optional binary exponent "p"), "inf", "infinity" or
// "nan" (any case; "nan(chars)"). An out-of-range number is ±Inf or 0,
// as strtod returns it.
func str2number(s string) (LNumber, bool) {
	if i := strings.IndexByte(s, 0); i >= 0 {
		s = s[:i]
	}
	s = strings.Trim(s, cSpace)
	t := s
	if t != "" && (t[0] == '+' || t[0] == '-') {
		t = t[1:]
	}
	digits := func(i int, hex bool) int { // the end of a run of digits from i
		for ; i < len(t); i++ {
			c := t[i] | 0x20
			if !('0' <= t[i] && t[i] <= '9' || hex && 'a' <= c && c <= 'f') {
				break
			}
		}
		return i
	}
	hex := len(t) > 1 && t[0] == '0' && t[1]|0x20 == 'x'
	i, exp := 0, byte('e')
	if hex {
		i, exp = 2, 'p'
	}
	j := digits(i, hex)
	n := j - i
	if j < len(t) && t[j] == '.' {
		k := digits(j+1, hex)
		n += k - j - 1
		j = k
	}
	if n == 0 { // no digits: inf, nan or nothing
		switch l := strings.ToLower(t); {
		case l == "inf" || l == "infinity":
			if s[0] == '-' {
				return LNumber(math.Inf(-1)), true
			}
			return LNumber(math.Inf(1)), true
		case l == "nan" || strings.HasPrefix(l, "nan(") && strings.HasSuffix(l, ")") && strings.Trim(l[4:len(l)-1], "abcdefghijklmnopqrstuvwxyz0123456789_") == "":
			return LNumber(math.NaN()), true
		}
		return 0, false
	}
	if j < len(t) && t[j]|0x20 == exp {
		k := j + 1
		if k < len(t) && (t[k] == '+' || t[k] == '-') {
			k++
		}
		if e := digits(k, false); e > k {
			j = e
		}
	}
	if j != len(t) {
		return 0, false
	}
	if hex && strings.IndexAny(t, "pP") < 0 {
		s += "p0" // Go reads a hexadecimal float with an exponent only
	}
	v, err := strconv.ParseFloat(s, 64)
	if err != nil && !errors.Is(err, strconv.ErrRange) {
		return 0, false
	}
	return LNumber(v), true
}

func popenArgs(arg string) (string, []string) {
	cmd := "/bin/sh"
	args := []string{"-c"}
	if LuaOS == "windows" {
		cmd = "C:\\Windows\\system32\\cmd.exe"
		args = []string{"/c"}
	}
	args = append(args, arg)
	return cmd, args
}

func isGoroutineSafe(lv LValue) bool {
	switch v := lv.(type) {
	case *LFunction, *LUserData, *LState:
		return false
	case *LTable:
		return v.Metatable == LNil
	default:
		return true
	}
}

func readBufioSize(reader *bufio.Reader, size int64) ([]byte, error, bool) {
	result := []byte{}
	read := int64(0)
	var err error
	var n int
	for read != size {
		buf := make([]byte, size-read)
		n, err = reader.Read(buf)
		if err != nil {
			break
		}
		read += int64(n)
		result = append(result, buf[:n]...)
	}
	e := err
	if e != nil && e == io.EOF {
		e = nil
	}

	return result, e, len(result) == 0 && err == io.EOF
}

func readBufioLine(reader *bufio.Reader) ([]byte, error, bool) {
	result := []byte{}
	var buf []byte
	var err error
	var isprefix bool = true
	for isprefix {
		buf, isprefix, err = reader.ReadLine()
		if err != nil {
			break
		}
		result = append(result, buf...)
	}
	e := err
	if e != nil && e == io.EOF {
		e = nil
	}

	return result, e, len(result) == 0 && err == io.EOF
}

func int2Fb(val int) int {
	e := 0
	x := val
	for x >= 16 {
		x = (x + 1) >> 1
		e++
	}
	if x < 8 {
		return x
	}
	return ((e + 1) << 3) | (x - 8)
}

func strCmp(s1, s2 string) int {
	len1 := len(s1)
	len2 := len(s2)
	for i := 0; ; i++ {
		c1 := -1
		if i < len1 {
			c1 = int(s1[i])
		}
		c2 := -1
		if i != len2 {
			c2 = int(s2[i])
		}
		switch {
		case c1 < c2:
			return -1
		case c1 > c2:
			return +1
		case c1 < 0:
			return 0
		}
	}
}

func unsafeFastStringToReadOnlyBytes(s string) (bs []byte) {
	sh := (*reflect.StringHeader)(unsafe.Pointer(&s))
	bh := (*reflect.SliceHeader)(unsafe.Pointer(&bs))
	bh.Data = sh.Data
	bh.Cap = sh.Len
	bh.Len = sh.Len
	return
}
