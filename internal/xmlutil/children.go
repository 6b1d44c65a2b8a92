// Package xmlutil holds the streaming-XML idioms that the Finesse model, the
// BOSH body parser and the notification parser share, so that they walk
// elements, check a document's end and name what is wrong with a document
// the same way.
package xmlutil

import (
	"bytes"
	"encoding/xml"
	"io"
)

// EachChild calls fn for each child element of the element whose start tag
// was just read, and consumes that element's end tag. fn must consume the
// child entirely (DecodeElement or Skip). Character data between children is
// ignored; the first error, from the decoder or fn, stops the walk.
func EachChild(d *xml.Decoder, fn func(xml.StartElement) error) error {
	for {
		tok, err := d.Token()
		if err != nil {
			return err
		}
		switch t := tok.(type) {
		case xml.StartElement:
			if err := fn(t); err != nil {
				return err
			}
		case xml.EndElement:
			return nil
		}
	}
}

// ExpectEnd reads what follows a document's root element and returns
// ErrTrailingData if it holds more than white space, comments and
// processing instructions; a decoder error is returned as it is, and io.EOF
// (a clean end) as nil.
func ExpectEnd(d *xml.Decoder) error {
	for {
		tok, err := d.Token()
		if err == io.EOF {
			return nil
		}
		if err != nil {
			return err
		}
		switch t := tok.(type) {
		case xml.CharData:
			if len(bytes.TrimSpace(t)) != 0 {
				return ErrTrailingData
			}
		case xml.StartElement, xml.EndElement:
			return ErrTrailingData
		}
	}
}
