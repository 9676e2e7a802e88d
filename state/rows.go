package state

import (
	"bufio"
	"bytes"
	"compress/gzip"
	"encoding/binary"
	"errors"
	"io"
	"strings"
)

// The snapshots the fast lane builds on (remembered people, remembered
// Salesforce users) are written as their number of rows, then the rows, each
// a run of values, each value a uvarint: a
// number, or a string's length followed by its bytes. At 100,000 users this
// reads back in a tenth of the time JSON took, and every string read is a
// slice of one buffer: no allocation per value.

// rowsMagic starts every snapshot in this encoding; a later encoding gets
// another, and a snapshot in one this voiceid does not know is not read.
const rowsMagic = "voiceid rows 1\n"

// rowWriter writes values into a snapshot.
type rowWriter struct {
	w   *bufio.Writer
	buf [binary.MaxVarintLen64]byte
}

func newRowWriter(w io.Writer) *rowWriter {
	rw := &rowWriter{w: bufio.NewWriter(w)}
	rw.w.WriteString(rowsMagic)
	return rw
}

func (r *rowWriter) num(n int) {
	k := binary.PutUvarint(r.buf[:], uint64(n))
	r.w.Write(r.buf[:k])
}

func (r *rowWriter) str(s string) {
	r.num(len(s))
	r.w.WriteString(s)
}

func (r *rowWriter) flag(b bool) {
	if b {
		r.num(1)
	} else {
		r.num(0)
	}
}

// flush writes what is buffered; the errors of every write before come out here.
func (r *rowWriter) flush() error { return r.w.Flush() }

// errRows is a snapshot that ends early or is not in this encoding.
var errRows = errors.New("the remembered snapshot is cut short or in an encoding this voiceid does not read")

// rowReader reads values back from a snapshot held in one string. The
// first malformed value sets err; every value after it is zero.
type rowReader struct {
	data string
	err  error
}

// inflateRows reads a compressed snapshot into one string, without a
// second copy, and starts reading it.
func inflateRows(b []byte) (*rowReader, error) {
	zr, err := gzip.NewReader(bytes.NewReader(b))
	if err != nil {
		return nil, err
	}
	var sb strings.Builder
	if size := int(binary.LittleEndian.Uint32(b[len(b)-4:])); size <= 64*len(b) { // gzip's trailer: the size, mod 2^32
		sb.Grow(size)
	}
	if _, err := io.Copy(&sb, zr); err != nil {
		return nil, err
	}
	return newRowReader(sb.String()), nil
}

func newRowReader(s string) *rowReader {
	if len(s) < len(rowsMagic) || s[:len(rowsMagic)] != rowsMagic {
		return &rowReader{err: errRows}
	}
	return &rowReader{data: s[len(rowsMagic):]}
}

func (r *rowReader) more() bool { return r.err == nil && r.data != "" }

func (r *rowReader) num() int {
	var n uint64
	for shift := 0; ; shift += 7 {
		if r.err != nil || r.data == "" || shift > 63 {
			r.err = errRows
			return 0
		}
		b := r.data[0]
		r.data = r.data[1:]
		n |= uint64(b&0x7f) << shift
		if b < 0x80 {
			break
		}
	}
	if n > uint64(len(r.data))+1<<20 { // no count in a snapshot is above its size (plus room for small numbers)
		r.err = errRows
		return 0
	}
	return int(n)
}

func (r *rowReader) str() string {
	n := r.num()
	if r.err != nil || n > len(r.data) {
		r.err = errRows
		return ""
	}
	s := r.data[:n]
	r.data = r.data[n:]
	return s
}

// left is how many bytes are still to read.
func (r *rowReader) left() int { return len(r.data) }

func (r *rowReader) flag() bool { return r.num() == 1 }

// packRows compresses rows into a snapshot: their number, then each row as
// write writes it.
func packRows[T any](rows []T, write func(rw *rowWriter, row *T)) ([]byte, error) {
	return compress(func(w io.Writer) error {
		rw := newRowWriter(w)
		rw.num(len(rows))
		for i := range rows {
			write(rw, &rows[i])
		}
		return rw.flush()
	})
}

// unpackRows reads a snapshot packRows wrote, each row as read reads it; a
// snapshot cut short, or holding fewer rows than it says, is errRows.
func unpackRows[T any](data []byte, read func(rr *rowReader) T) ([]T, error) {
	rr, err := inflateRows(data)
	if err != nil {
		return nil, err
	}
	n := rr.num()
	rows := make([]T, 0, min(n, rr.left()/2)) // never more than the bytes could hold
	for rr.more() {
		rows = append(rows, read(rr))
	}
	if rr.err == nil && len(rows) != n {
		rr.err = errRows
	}
	return rows, rr.err
}

// strs writes a list of strings: its length, then each.
func (r *rowWriter) strs(list []string) {
	r.num(len(list))
	for _, s := range list {
		r.str(s)
	}
}

// strs reads what rowWriter.strs wrote; an empty list is nil.
func (r *rowReader) strs() []string {
	n := r.num()
	if n == 0 || r.err != nil {
		return nil
	}
	list := make([]string, min(n, len(r.data)))
	for i := range list {
		list[i] = r.str()
	}
	return list
}
