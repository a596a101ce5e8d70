package bulk

import (
	"bufio"
	"bytes"
	"encoding/csv"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"unicode"
	"unicode/utf8"
)

// A Row is one line of the --each input: one run of the script.
type Row struct {
	Index  int               // 1-based position among the data rows (the CSV header is not a row)
	Line   int               // input line where the row starts, for messages
	Fields map[string]string // column name -> value; the script's read-only global row
	Order  []string          // column names in input order

	// Secret holds the columns whose values are secrets (see MarkSecrets).
	// Rows read together share one map; nil means none.
	Secret map[string]bool
}

// keyColumns are the columns that name a row, most telling first. They are
// matched without regard to case. A secret column is never a key.
var keyColumns = []string{"key", "user", "username", "login", "email", "mailbox"}

// Key returns the name the row goes by in print lines, progress, results
// and the summary: the value of the first non-empty, non-secret column
// among key, user, username, login, email and mailbox (in that order,
// names compared without case), else "row N". A key is always one line
// of printable text: anything else in it is escaped as Go's %q does.
//
// Keys need not be unique; results also carry the row number and resume
// tells rows apart by all their non-secret columns (see Run). Give the
// input a key column when the same user appears on several servers.
func (r Row) Key() string {
	for _, want := range keyColumns {
		for _, col := range r.Order {
			if strings.EqualFold(col, want) && !r.Secret[col] && r.Fields[col] != "" {
				return printable(r.Fields[col])
			}
		}
	}
	return "row " + strconv.Itoa(r.Index)
}

// printable returns s, or s escaped as inside Go's %q when it holds a
// control character, invalid UTF-8 or a non-printing rune: a key must not
// break the line-oriented outputs it appears in.
func printable(s string) string {
	for _, r := range s {
		if r == utf8.RuneError || !unicode.IsPrint(r) {
			q := strconv.Quote(s)
			return q[1 : len(q)-1]
		}
	}
	return s
}

// Format is the syntax of a rows file.
type Format int

const (
	FormatAuto  Format = iota // by file extension, else by content
	FormatCSV                 // RFC 4180 CSV with a header line
	FormatJSONL               // JSON Lines: one object of scalar values per line
)

func (f Format) String() string {
	switch f {
	case FormatCSV:
		return "csv"
	case FormatJSONL:
		return "jsonl"
	}
	return "auto"
}

// FormatOf returns the format a file name's extension announces: .csv is
// CSV, .jsonl, .ndjson and .json are JSON Lines; anything else is
// FormatAuto (decided by content).
func FormatOf(name string) Format {
	switch strings.ToLower(filepath.Ext(name)) {
	case ".csv":
		return FormatCSV
	case ".jsonl", ".ndjson", ".json":
		return FormatJSONL
	}
	return FormatAuto
}

// RowsError is a syntax error in a rows file.
type RowsError struct {
	Name string // file name, or "" when read from a bare reader
	Line int    // 1-based; 0 when the error is not about one line
	Msg  string
}

func (e *RowsError) Error() string {
	var b strings.Builder
	if e.Name != "" {
		b.WriteString(e.Name)
		b.WriteString(":")
	}
	if e.Line > 0 {
		if e.Name == "" {
			b.WriteString("line ")
		}
		b.WriteString(strconv.Itoa(e.Line))
		b.WriteString(":")
	}
	if b.Len() > 0 {
		b.WriteString(" ")
	}
	b.WriteString(e.Msg)
	return b.String()
}

// ReadRowsFile reads every row of the file at path, in the format its
// extension announces or, failing that, its content shows. Errors name
// the file and line. A run reads its rows as it goes (OpenRows); this is
// for callers that want them all.
func ReadRowsFile(path string) ([]Row, error) {
	rr, err := OpenRows(path)
	if err != nil {
		return nil, err
	}
	defer rr.Close()
	return readAll(rr)
}

// ReadRows reads every row of r (see NewRowReader).
func ReadRows(r io.Reader, format Format) ([]Row, error) {
	rr, err := NewRowReader(r, format)
	if err != nil {
		return nil, err
	}
	return readAll(rr)
}

func readAll(rr *RowReader) ([]Row, error) {
	var rows []Row
	for {
		row, err := rr.Next()
		if err == io.EOF {
			return rows, nil
		}
		if err != nil {
			return nil, err
		}
		rows = append(rows, row)
	}
}

// utf8BOM starts files written by spreadsheet programs; it is not part of
// the first column's name.
var utf8BOM = []byte("\xef\xbb\xbf")

// A RowReader reads rows one at a time, so that a run's memory does not
// grow with its input and its first row starts at once. Next returns
// io.EOF after the last row; errors are *RowsError values with the line
// (and the file name, from OpenRows).
type RowReader struct {
	name   string
	file   *os.File // from OpenRows; closed by Close
	next   func() (Row, error)
	rows   int // rows returned so far
	err    error
	header []string // CSV column names, shared by every row's Order
	cr     *csv.Reader
	br     *bufio.Reader
	line   int // JSON Lines: the last line read
}

// OpenRows opens the rows file at path for reading one row at a time, in
// the format its extension announces or, failing that, its content
// shows. The header (of a CSV file) is read and checked here.
func OpenRows(path string) (*RowReader, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	rr, err := NewRowReader(f, FormatOf(path))
	if err != nil {
		f.Close()
		var re *RowsError
		if errors.As(err, &re) {
			re.Name = path
		}
		return nil, err
	}
	rr.name, rr.file = path, f
	return rr, nil
}

// Close closes the file OpenRows opened; it does nothing for a reader
// made by NewRowReader.
func (rr *RowReader) Close() error {
	if rr.file == nil {
		return nil
	}
	return rr.file.Close()
}

// NewRowReader starts reading rows from r. Input whose first non-blank
// byte is '{' is JSON Lines whatever format says; with FormatAuto
// anything else is CSV, whose header line is read and checked here.
// Errors are *RowsError values with line numbers.
func NewRowReader(r io.Reader, format Format) (*RowReader, error) {
	br := bufio.NewReaderSize(r, 64<<10)
	if p, _ := br.Peek(len(utf8BOM)); bytes.Equal(p, utf8BOM) {
		br.Discard(len(utf8BOM))
	}
	// The content decides when it is JSON Lines, whatever the name says:
	// a CSV header cannot start with '{', and reading JSON as CSV would
	// find one "header" and no rows.
	if format == FormatAuto || sniff(br) == FormatJSONL {
		format = sniff(br)
	}
	if firstByte(br) == '[' {
		return nil, &RowsError{Line: 1, Msg: "a JSON array: rows are JSON Lines, one object per line (jq -c '.[]' turns an array into them), or CSV with a header"}
	}
	rr := &RowReader{br: br}
	if format == FormatJSONL {
		rr.next = rr.nextJSONL
		return rr, nil
	}
	if err := rr.readHeader(); err != nil {
		return nil, err
	}
	rr.next = rr.nextCSV
	return rr, nil
}

// Next returns the next row, or io.EOF after the last. After an error,
// every call returns it again.
func (rr *RowReader) Next() (Row, error) {
	if rr.err != nil {
		return Row{}, rr.err
	}
	row, err := rr.next()
	if err != nil {
		var re *RowsError
		if errors.As(err, &re) && re.Name == "" {
			re.Name = rr.name
		}
		rr.err = err
		return Row{}, err
	}
	rr.rows++
	row.Index = rr.rows
	return row, nil
}

// Columns returns the column names of a CSV header, or nil for JSON
// Lines (each object names its own).
func (rr *RowReader) Columns() []string { return rr.header }

// IsKeyColumn reports whether a column of this name can be a row's key
// (see Row.Key).
func IsKeyColumn(name string) bool {
	for _, k := range keyColumns {
		if strings.EqualFold(k, name) {
			return true
		}
	}
	return false
}

// sniff decides between CSV and JSON Lines by the first non-blank byte.
func sniff(br *bufio.Reader) Format {
	if firstByte(br) == '{' {
		return FormatJSONL
	}
	return FormatCSV
}

// firstByte returns the first byte of the input that is not blank (within
// its first 4 KiB), or 0. It reads no further than that byte, so that a
// pipe that has sent one line is not waited on for more.
func firstByte(br *bufio.Reader) byte {
	for n := 1; n <= 4096; n++ {
		p, _ := br.Peek(n)
		if len(p) < n {
			return 0
		}
		switch c := p[n-1]; c {
		case ' ', '\t', '\r', '\n':
		default:
			return c
		}
	}
	return 0
}
func (rr *RowReader) readHeader() error {
	cr := csv.NewReader(rr.br)
	cr.FieldsPerRecord = -1 // checked here, to say which line and how
	cr.ReuseRecord = true   // each row copies its fields into its map
	rr.cr = cr

	header, err := cr.Read()
	if err == io.EOF {
		return &RowsError{Msg: "empty input: a CSV rows file starts with a header line naming the columns"}
	}
	if err != nil {
		return csvError(err)
	}
	headerLine, _ := cr.FieldPos(0)
	names := make([]string, len(header))
	seen := make(map[string]int, len(header))
	for i, h := range header {
		name := strings.TrimSpace(h)
		if name == "" {
			return &RowsError{Line: headerLine, Msg: fmt.Sprintf("header: column %d has no name", i+1)}
		}
		if !columnName(name) {
			// The field is not quoted back: a file without a header has
			// data here, perhaps a password.
			hint := ""
			if strings.ContainsAny(name, ";\t") {
				hint = " (fields are separated by ',', not ';' or tabs)"
			}
			return &RowsError{Line: headerLine, Msg: fmt.Sprintf("the first line is not a header: field %d is not a column name%s (a letter or '_', then letters, digits, '_', '-', '.' or spaces, at most %d bytes); a CSV rows file starts with a line naming its columns, such as user,pass,host", i+1, hint, maxColumnName)}
		}
		if j, dup := seen[name]; dup {
			return &RowsError{Line: headerLine, Msg: fmt.Sprintf("header: column %q appears twice (columns %d and %d)", name, j+1, i+1)}
		}
		seen[name] = i
		names[i] = name
	}
	rr.header = names
	return nil
}

func (rr *RowReader) nextCSV() (Row, error) {
	rec, err := rr.cr.Read()
	if err == io.EOF {
		return Row{}, io.EOF
	}
	if err != nil {
		return Row{}, csvError(err)
	}
	line, _ := rr.cr.FieldPos(0)
	if len(rec) != len(rr.header) {
		return Row{}, &RowsError{Line: line, Msg: fmt.Sprintf("%d fields, but the header has %d columns", len(rec), len(rr.header))}
	}
	fields := make(map[string]string, len(rr.header))
	for i, v := range rec {
		fields[rr.header[i]] = strings.Clone(v)
	}
	return Row{Line: line, Fields: fields, Order: rr.header}, nil
}

func (rr *RowReader) nextJSONL() (Row, error) {
	for {
		text, err := rr.br.ReadBytes('\n')
		if len(text) > 0 || err == nil {
			rr.line++
		}
		if len(bytes.TrimSpace(text)) > 0 {
			row, perr := parseJSONRow(text)
			if perr != nil {
				return Row{}, &RowsError{Line: rr.line, Msg: perr.Error()}
			}
			row.Line = rr.line
			return row, nil
		}
		if err != nil {
			return Row{}, err // io.EOF after the last row
		}
	}
}

// maxColumnName bounds the length of a column name.
const maxColumnName = 64

// columnName reports whether a header field looks like the name of a
// column rather than data: a letter or '_' first, then letters, digits,
// '_', '-', '.' or spaces ("user", "imap_password", "Mail Host").
func columnName(name string) bool {
	if name == "" || len(name) > maxColumnName {
		return false
	}
	for i, r := range name {
		switch {
		case unicode.IsLetter(r), r == '_':
		case i > 0 && (unicode.IsDigit(r) || r == '-' || r == '.' || r == ' '):
		default:
			return false
		}
	}
	return true
}

// csvError turns encoding/csv's error into a RowsError with its line.
func csvError(err error) error {
	var pe *csv.ParseError
	if errors.As(err, &pe) {
		return &RowsError{Line: pe.Line, Msg: pe.Err.Error()}
	}
	return err
}

// parseJSONRow reads one JSON object of scalar values, keeping the order
// of its names. Strings stay as they are, numbers keep their text ("007"
// cannot be a number, "1e3" stays "1e3"), booleans become "true"/"false";
// a null leaves the column out of the row, so the script sees nil.
func parseJSONRow(text []byte) (Row, error) {
	dec := json.NewDecoder(bytes.NewReader(text))
	dec.UseNumber()
	tok, err := dec.Token()
	if err != nil {
		return Row{}, fmt.Errorf("not JSON: %v", jsonMsg(err))
	}
	if d, ok := tok.(json.Delim); !ok || d != '{' {
		return Row{}, fmt.Errorf("a row must be a JSON object, not %s", describeToken(tok))
	}
	row := Row{Fields: map[string]string{}}
	seen := map[string]bool{}
	for dec.More() {
		tok, err := dec.Token()
		if err != nil {
			return Row{}, fmt.Errorf("not JSON: %v", jsonMsg(err))
		}
		name := tok.(string) // object keys are always strings
		if name == "" {
			return Row{}, fmt.Errorf("a field has an empty name")
		}
		if !columnName(name) {
			return Row{}, fmt.Errorf("field %d has a name that is not a column name (a letter or '_', then letters, digits, '_', '-', '.' or spaces, at most %d bytes)", len(seen)+1, maxColumnName)
		}
		if seen[name] {
			return Row{}, fmt.Errorf("field %q appears twice", name)
		}
		seen[name] = true
		val, err := dec.Token()
		if err != nil {
			return Row{}, fmt.Errorf("not JSON: %v", jsonMsg(err))
		}
		var value string
		switch v := val.(type) {
		case string:
			value = v
		case json.Number:
			value = v.String()
		case bool:
			value = strconv.FormatBool(v)
		case nil:
			continue // absent: the script sees nil
		default:
			return Row{}, fmt.Errorf("field %q is %s; a row holds strings, numbers, booleans or null", name, describeToken(val))
		}
		row.Order = append(row.Order, name)
		row.Fields[name] = value
	}
	if _, err := dec.Token(); err != nil { // the closing '}'
		return Row{}, fmt.Errorf("not JSON: %v", jsonMsg(err))
	}
	if _, err := dec.Token(); err != io.EOF {
		return Row{}, fmt.Errorf("text after the object: one object per line")
	}
	return row, nil
}

func describeToken(tok any) string {
	switch t := tok.(type) {
	case json.Delim:
		if t == '[' {
			return "an array"
		}
		return "an object"
	case string:
		return "a string"
	case json.Number:
		return "a number"
	case bool:
		return "a boolean"
	case nil:
		return "null"
	}
	return fmt.Sprintf("%T", tok)
}

func jsonMsg(err error) string {
	if err == io.EOF || errors.Is(err, io.ErrUnexpectedEOF) {
		return "the object is not closed on its line"
	}
	return err.Error()
}
