// Package dtsgen writes the TypeScript declarations of internal/client's
// wire types (wire_*.go): the generated section of web/index.d.ts. It reads
// the Go source, not reflection, so that the doc comments become the
// declarations' documentation and the constants of a string type become a
// union with one line of meaning per member.
//
// Rules: an exported struct becomes an interface (JSON names from the tags;
// omitempty makes a field optional; a pointer is `T | null`); a string type
// with constants becomes a union of their values, each member documented by
// its constant's comment; a string type without constants is `string`; a
// "dts: <type>" line in a type's or field's doc replaces the derived type;
// a "dts-includes: <Type> <meaning>" line in a closed set's doc makes every
// member of that other closed set a member of this one.
// An interface type (Event) becomes the union of the structs that have a
// Kind method.
package dtsgen

import (
	"bytes"
	"fmt"
	"go/ast"
	"go/parser"
	"go/token"
	"path/filepath"
	"reflect"
	"sort"
	"strconv"
	"strings"
)

// Begin and End delimit the generated section of web/index.d.ts.
const (
	Begin = "// ---- BEGIN GENERATED from internal/client/wire_*.go by `go generate ./internal/client`; do not edit ----"
	End   = "// ---- END GENERATED ----"
)

// Member is one value of a closed set of strings.
type Member struct {
	Const string // the Go constant
	Value string
	Doc   string
}

// Field is one JSON field of a struct.
type Field struct {
	Name     string // JSON name
	TS       string // TypeScript type
	Optional bool
	Doc      string
}

// Type is one exported wire type.
type Type struct {
	Name     string
	Doc      string
	Members  []Member // a closed set of strings
	Includes []Member // closed sets whose members are members too (Const is the type)
	Fields   []Field  // a struct
	TS       string   // otherwise: the type it is declared as
}

// Model is the wire types of one package, in source order.
type Model struct {
	Types []*Type
}

// Enum returns the values of the closed set name, or nil.
func (m *Model) Enum(name string) []string {
	for _, t := range m.Types {
		if t.Name == name && t.Members != nil {
			var out []string
			for _, inc := range t.Includes {
				out = append(out, m.Enum(inc.Const)...)
			}
			for _, mb := range t.Members {
				out = append(out, mb.Value)
			}
			return out
		}
	}
	return nil
}

// Parse reads the wire_*.go files (not tests) of the package in dir.
func Parse(dir string) (*Model, error) {
	paths, err := filepath.Glob(filepath.Join(dir, "wire_*.go"))
	if err != nil {
		return nil, err
	}
	sort.Strings(paths)
	fset := token.NewFileSet()
	byName := map[string]*Type{}
	var order []*Type
	var kinds []string // structs with a Kind method
	var consts []*ast.GenDecl
	for _, p := range paths {
		if strings.HasSuffix(p, "_test.go") {
			continue
		}
		f, err := parser.ParseFile(fset, p, nil, parser.ParseComments)
		if err != nil {
			return nil, err
		}
		for _, d := range f.Decls {
			switch d := d.(type) {
			case *ast.FuncDecl:
				if d.Recv != nil && d.Name.Name == "Kind" {
					if id, ok := d.Recv.List[0].Type.(*ast.Ident); ok {
						kinds = append(kinds, id.Name)
					}
				}
			case *ast.GenDecl:
				switch d.Tok {
				case token.CONST:
					consts = append(consts, d)
				case token.TYPE:
					for _, s := range d.Specs {
						ts := s.(*ast.TypeSpec)
						if !ts.Name.IsExported() {
							continue
						}
						doc := ts.Doc
						if doc == nil {
							doc = d.Doc
						}
						t := &Type{Name: ts.Name.Name, Doc: doc.Text()}
						byName[t.Name] = t
						order = append(order, t)
						if err := describe(t, ts.Type); err != nil {
							return nil, fmt.Errorf("%s: %w", t.Name, err)
						}
					}
				}
			}
		}
	}
	for _, d := range consts {
		for _, s := range d.Specs {
			vs := s.(*ast.ValueSpec)
			id, ok := vs.Type.(*ast.Ident)
			if !ok || byName[id.Name] == nil {
				continue
			}
			for i, n := range vs.Names {
				lit, ok := vs.Values[i].(*ast.BasicLit)
				if !ok || lit.Kind != token.STRING {
					return nil, fmt.Errorf("%s: want a string literal", n.Name)
				}
				v, _ := strconv.Unquote(lit.Value)
				doc := strings.TrimSpace(vs.Doc.Text())
				doc = strings.TrimSpace(strings.TrimPrefix(doc, n.Name+":"))
				if doc == "" {
					return nil, fmt.Errorf("constant %s has no comment: every member of a closed set says what it means", n.Name)
				}
				t := byName[id.Name]
				t.Members = append(t.Members, Member{Const: n.Name, Value: v, Doc: strings.Join(strings.Fields(doc), " ")})
			}
		}
	}
	for _, t := range order {
		if t.TS == "interface" {
			sort.Strings(kinds)
			t.TS = strings.Join(kinds, " | ")
		}
	}
	return &Model{Types: order}, nil
}

// override is the type a "dts:" line of doc gives, or "".
func override(doc string) string {
	for _, line := range strings.Split(doc, "\n") {
		if rest, ok := strings.CutPrefix(strings.TrimSpace(line), "dts:"); ok {
			return strings.TrimSpace(rest)
		}
	}
	return ""
}

// includes are the "dts-includes:" lines of doc.
func includes(doc string) []Member {
	var out []Member
	for _, line := range strings.Split(doc, "\n") {
		if rest, ok := strings.CutPrefix(strings.TrimSpace(line), "dts-includes:"); ok {
			name, meaning, _ := strings.Cut(strings.TrimSpace(rest), " ")
			out = append(out, Member{Const: name, Doc: strings.TrimSpace(meaning)})
		}
	}
	return out
}

// prose is doc without its "dts:" lines, on one line.
func prose(doc string) string {
	var keep []string
	for _, line := range strings.Split(doc, "\n") {
		if l := strings.TrimSpace(line); !strings.HasPrefix(l, "dts:") && !strings.HasPrefix(l, "dts-includes:") {
			keep = append(keep, line)
		}
	}
	return strings.Join(strings.Fields(strings.Join(keep, " ")), " ")
}

func describe(t *Type, expr ast.Expr) error {
	if o := override(t.Doc); o != "" {
		t.TS = o
		return nil
	}
	switch e := expr.(type) {
	case *ast.StructType:
		t.Fields = []Field{}
		for _, f := range e.Fields.List {
			if len(f.Names) == 0 || f.Tag == nil {
				return fmt.Errorf("field without a name or JSON tag")
			}
			tag, _ := strconv.Unquote(f.Tag.Value)
			name, opts, _ := strings.Cut(reflect.StructTag(tag).Get("json"), ",")
			ts := override(f.Doc.Text())
			if ts == "" {
				var err error
				if ts, err = tsType(f.Type); err != nil {
					return fmt.Errorf("field %s: %w", f.Names[0].Name, err)
				}
			}
			t.Fields = append(t.Fields, Field{Name: name, TS: ts, Optional: strings.Contains(opts, "omitempty"), Doc: prose(f.Doc.Text())})
		}
	case *ast.InterfaceType:
		t.TS = "interface"
	case *ast.Ident:
		if e.Name != "string" {
			return fmt.Errorf("unsupported underlying type %s", e.Name)
		}
		t.TS = "string"
		t.Includes = includes(t.Doc)
	default:
		return fmt.Errorf("unsupported type %T", expr)
	}
	return nil
}

func tsType(expr ast.Expr) (string, error) {
	switch e := expr.(type) {
	case *ast.Ident:
		switch e.Name {
		case "string":
			return "string", nil
		case "bool":
			return "boolean", nil
		case "int", "int64", "float64":
			return "number", nil
		}
		if e.IsExported() {
			return e.Name, nil
		}
	case *ast.StarExpr:
		inner, err := tsType(e.X)
		if err != nil {
			return "", err
		}
		// A pointer field with omitempty is optional (absent, not null);
		// without, it is null when nil.
		return inner + " | null", nil
	case *ast.ArrayType:
		inner, err := tsType(e.Elt)
		if err != nil {
			return "", err
		}
		return inner + "[]", nil
	case *ast.MapType:
		k, err := tsType(e.Key)
		if err != nil {
			return "", err
		}
		v, err := tsType(e.Value)
		if err != nil {
			return "", err
		}
		return "Record<" + k + ", " + v + ">", nil
	}
	return "", fmt.Errorf("unsupported type %T", expr)
}

// TypeScript is the generated section, Begin and End lines included.
func (m *Model) TypeScript() []byte {
	var b bytes.Buffer
	b.WriteString(Begin + "\n")
	for _, t := range m.Types {
		b.WriteString("\n")
		comment(&b, "", prose(t.Doc))
		switch {
		case t.Members != nil:
			fmt.Fprintf(&b, "export type %s =\n", t.Name)
			for _, inc := range t.Includes {
				fmt.Fprintf(&b, "  /** %s */\n  | %s\n", inc.Doc, inc.Const)
			}
			for _, mb := range t.Members {
				fmt.Fprintf(&b, "  /** %s */\n  | %s\n", mb.Doc, quote(mb.Value))
			}
			trimLastNewline(&b)
			b.WriteString(";\n")
		case t.Fields != nil:
			fmt.Fprintf(&b, "export interface %s {\n", t.Name)
			for _, f := range t.Fields {
				comment(&b, "  ", f.Doc)
				opt := ""
				ts := f.TS
				if f.Optional {
					opt = "?"
					ts = strings.TrimSuffix(ts, " | null")
				}
				fmt.Fprintf(&b, "  %s%s: %s;\n", f.Name, opt, ts)
			}
			b.WriteString("}\n")
		default:
			fmt.Fprintf(&b, "export type %s = %s;\n", t.Name, t.TS)
		}
	}
	b.WriteString("\n" + End + "\n")
	return b.Bytes()
}

func trimLastNewline(b *bytes.Buffer) {
	if n := b.Len(); n > 0 && b.Bytes()[n-1] == '\n' {
		b.Truncate(n - 1)
	}
}

func comment(b *bytes.Buffer, indent, text string) {
	if text == "" {
		return
	}
	fmt.Fprintf(b, "%s/** %s */\n", indent, strings.ReplaceAll(text, "*/", "* /"))
}

func quote(s string) string {
	return "'" + strings.ReplaceAll(s, "'", `\'`) + "'"
}

// Splice replaces the generated section of a .d.ts file with section.
func Splice(file, section []byte) ([]byte, error) {
	i, j, err := bounds(file)
	if err != nil {
		return nil, err
	}
	out := append([]byte{}, file[:i]...)
	out = append(out, section...)
	return append(out, file[j:]...), nil
}

// Section is the generated section of a .d.ts file.
func Section(file []byte) ([]byte, error) {
	i, j, err := bounds(file)
	if err != nil {
		return nil, err
	}
	return file[i:j], nil
}

// bounds locates the generated section: from Begin to the end of the End line.
func bounds(file []byte) (int, int, error) {
	i := bytes.Index(file, []byte(Begin))
	j := bytes.Index(file, []byte(End))
	if i < 0 || j < i {
		return 0, 0, fmt.Errorf("no generated section (%q ... %q)", Begin, End)
	}
	j += len(End)
	if j < len(file) && file[j] == '\n' {
		j++
	}
	return i, j, nil
}
