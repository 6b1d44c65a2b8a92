// Package xmlutil holds the one streaming-XML idiom that the Finesse model and
// the notification parser both need, so that they walk elements the same way.
package xmlutil

import "encoding/xml"

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
