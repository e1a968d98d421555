package api

import (
	"io"

	"github.com/danielgtaylor/huma/v2"
	jsonv2 "github.com/go-json-experiment/json"
	"github.com/go-json-experiment/json/jsontext"
	jsonv1 "github.com/go-json-experiment/json/v1"
)

// jsonFormat writes answers as huma's default JSON format does (encoding/json's output, HTML
// characters left as they are, a closing newline), but encodes on the json/v2 engine and hands
// the body to the connection in one write: a list page is tens of kilobytes, which the default
// streamed to the socket in 4 KB pieces. Request bodies still decode with huma's default.
var jsonFormat = huma.Format{
	Marshal: func(w io.Writer, v any) error {
		b, err := jsonv2.Marshal(v, jsonv1.DefaultOptionsV1(), jsontext.EscapeForHTML(false))
		if err != nil {
			return err
		}
		_, err = w.Write(append(b, '\n'))
		return err
	},
	Unmarshal: huma.DefaultJSONFormat.Unmarshal,
}
