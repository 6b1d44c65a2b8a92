package notify

import (
	"bytes"
	"encoding/xml"
	"errors"
	"io"
	"unicode/utf8"
)

// nsFraming is RFC 7395's namespace of <open/> and <close/>.
const nsFraming = "urn:ietf:params:xml:ns:xmpp-framing"

type frameKind int

const (
	frameElement frameKind = iota // a stanza or negotiation element
	frameOpen                     // <open/>: stream (re)start
	frameClose                    // <close/> or </stream:stream>
)

// maxFrame bounds one outgoing element; the client never writes anything
// close to it, so hitting it means a runaway writer.
const maxFrame = 1 << 20

var errFrameTooLarge = errors.New("notify: outgoing element exceeds size limit")

// framer cuts the byte stream the client writes into top-level elements.
// io.Writer promises no boundaries, so one Write may hold a fraction of an
// element or several; only a parser knows where one ends.
type framer struct {
	buf []byte
	// checked bytes of buf are known not to complete an element: an element
	// can only end at a '>', so a write without one needs no new parse
	// (without this, byte-sized writes would make framing quadratic).
	checked int
}

func (f *framer) write(p []byte) error {
	if len(f.buf)+len(p) > maxFrame {
		return errFrameTooLarge
	}
	f.buf = append(f.buf, p...)
	return nil
}

// feed appends p and hands each complete frame to each, in order, until
// more bytes are needed, each returns an error, or each says stop (the
// stream is over: what follows <close/> is not sent).
func (f *framer) feed(p []byte, each func(kind frameKind, frame []byte) (stop bool, err error)) error {
	if err := f.write(p); err != nil {
		return err
	}
	for {
		kind, frame, ok, err := f.next()
		if err != nil || !ok {
			return err
		}
		if stop, err := each(kind, frame); stop || err != nil {
			return err
		}
	}
}

// next returns the next complete frame, ok=false if more bytes are needed.
func (f *framer) next() (kind frameKind, frame []byte, ok bool, err error) {
	for {
		trimmed := bytes.TrimLeft(f.buf, " \t\r\n")
		f.checked = max(0, f.checked-(len(f.buf)-len(trimmed)))
		f.buf = trimmed
		if len(f.buf) == 0 {
			f.buf = nil
			return 0, nil, false, nil
		}
		// A classic stream closes with a bare end tag, even
		// in WebSocket mode; a parser would call it unbalanced.
		const closeTag = "</stream:stream>"
		if bytes.HasPrefix(f.buf, []byte(closeTag)) {
			f.buf = f.buf[len(closeTag):]
			f.checked = 0
			return frameClose, nil, true, nil
		}
		if len(f.buf) < len(closeTag) && bytes.HasPrefix([]byte(closeTag), f.buf) {
			return 0, nil, false, nil
		}
		if !bytes.HasPrefix(f.buf, []byte("<?")) {
			break
		}
		f.checked = 0
		// An XML declaration or processing instruction between elements.
		end := bytes.Index(f.buf, []byte("?>"))
		if end < 0 {
			return 0, nil, false, nil
		}
		f.buf = f.buf[end+2:]
	}

	if f.checked > len(f.buf) {
		f.checked = 0
	}
	if bytes.IndexByte(f.buf[f.checked:], '>') < 0 {
		f.checked = len(f.buf)
		return 0, nil, false, nil
	}
	// A write may end inside a multi-byte character; the decoder would call
	// that invalid UTF-8 rather than unfinished.
	d := xml.NewDecoder(bytes.NewReader(f.buf[:completeRunes(f.buf)]))
	depth := 0
	var root xml.Name
	for {
		tok, err := d.Token()
		if err != nil {
			if isIncomplete(err) {
				f.checked = len(f.buf)
				return 0, nil, false, nil
			}
			return 0, nil, false, err
		}
		switch t := tok.(type) {
		case xml.StartElement:
			if depth == 0 {
				root = t.Name
			}
			depth++
		case xml.EndElement:
			depth--
			if depth > 0 {
				continue
			}
			n := d.InputOffset()
			frame = f.buf[:n:n]
			f.buf = f.buf[n:]
			f.checked = 0
			switch {
			case root.Space == nsFraming && root.Local == "open":
				return frameOpen, frame, true, nil
			case root.Space == nsFraming && root.Local == "close":
				return frameClose, frame, true, nil
			}
			return frameElement, frame, true, nil
		case xml.CharData:
			if depth == 0 && len(bytes.TrimSpace(t)) > 0 {
				return 0, nil, false, errors.New("notify: text outside any element in the outgoing stream")
			}
		}
	}
}

// completeRunes is the length of the longest prefix of b that does not end
// in the middle of a UTF-8 sequence.
func completeRunes(b []byte) int {
	for i := 1; i <= utf8.UTFMax && i <= len(b); i++ {
		if utf8.RuneStart(b[len(b)-i]) {
			if !utf8.FullRune(b[len(b)-i:]) {
				return len(b) - i
			}
			break
		}
	}
	return len(b)
}

// isIncomplete tells "the element is not finished yet" from a real syntax
// error: encoding/xml reports running out of input as a syntax error.
func isIncomplete(err error) bool {
	if errors.Is(err, io.EOF) || errors.Is(err, io.ErrUnexpectedEOF) {
		return true
	}
	var se *xml.SyntaxError
	return errors.As(err, &se) && se.Msg == "unexpected EOF"
}
